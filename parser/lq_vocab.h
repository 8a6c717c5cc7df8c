/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_vocab.h - the one list of each word the tools print, parse and test:
 * verdicts, reasons, events, packet types, record flags, path states, how a
 * path was linked, hooks, and the maps.
 *
 * Each list is an X-macro, as the kernel keeps its helper and map-type lists
 * (include/uapi/linux/bpf.h): the enums below, the name tables, the masks,
 * the help texts, --vocabulary and the README check are all generated from
 * it. Adding a word is one line here, the code that uses it, and its test.
 *
 * Entries: X(ID, "name", "one-line description", properties).
 */
#ifndef LQ_VOCAB_H
#define LQ_VOCAB_H

/* ---- verdicts: what a frame is ----------------------------------------- */

/* verdict properties */
#define LQ_VP_UDP 0x01	   /* the frame had a UDP header: ports are known */
#define LQ_VP_QUIC 0x02	   /* QUIC-shaped: the QUIC fields of the record are set */
#define LQ_VP_NOTABLE 0x04 /* reported by -e and by the kernel when not all is */
#define LQ_VP_REASON 0x08  /* carries a reason */

#define LQ_VERDICT_LIST(X)                                                                          \
	X(NOT_IP, "not_ip", "not IPv4 or IPv6", 0)                                                   \
	X(NOT_UDP, "not_udp", "IP, another transport", 0)                                            \
	X(FRAGMENT, "fragment", "a non-first IP fragment", 0)                                        \
	X(TRUNCATED, "truncated", "IP or UDP header cut short by the capture", 0)                    \
	X(NOT_QUIC, "not_quic", "UDP that is not QUIC", LQ_VP_UDP)                                   \
	X(QUIC, "quic", "a packet of a tracked connection: conn is set", LQ_VP_UDP | LQ_VP_QUIC)      \
	X(PENDING, "pending",                                                                       \
	  "QUIC-like and related to known QUIC endpoints, but nothing links it to a connection "    \
	  "(never guessed)",                                                                         \
	  LQ_VP_UDP | LQ_VP_QUIC | LQ_VP_NOTABLE)                                                    \
	X(GARBAGE, "garbage",                                                                       \
	  "sent to a known QUIC server but not valid QUIC of any connection: reason says why",      \
	  LQ_VP_UDP | LQ_VP_QUIC | LQ_VP_NOTABLE | LQ_VP_REASON)                                     \
	X(LIMITED, "limited", "over a guard rate limit, dropped before any state was made",         \
	  LQ_VP_UDP | LQ_VP_QUIC | LQ_VP_NOTABLE | LQ_VP_REASON)

/* ---- reasons: why a frame is garbage or limited --------------------------- */

/* reason properties */
#define LQ_RP_GARBAGE 0x01 /* a garbage class */
#define LQ_RP_LIMIT 0x02   /* a guard rate limit (verdict limited) */
/* A garbage class the guard may drop: a server discards such a packet
 * whatever its state, and telling the class needs no state an attacker
 * could forge or a real connection could lack (README, "The guard"). */
#define LQ_RP_DROP 0x04

#define LQ_REASON_LIST(X)                                                                           \
	X(NONE, "", "no reason", 0)                                                                  \
	X(INITIAL_TOO_SMALL, "initial_too_small",                                                    \
	  "client Initial in a datagram under 1200 bytes (RFC 9000 §14.1)", LQ_RP_GARBAGE | LQ_RP_DROP)            \
	X(UNKNOWN_VERSION, "unknown_version",                                                        \
	  "a long header of a version not accepted, in a datagram under 1200 bytes (§5.2.2)",        \
	  LQ_RP_GARBAGE | LQ_RP_DROP)                                                                \
	X(UNSUPPORTED_VERSION, "unsupported_version",                                                \
	  "a long header of a version not accepted, in 1200 bytes or more: a server answers it "     \
	  "with Version Negotiation (§6)",                                                           \
	  LQ_RP_GARBAGE)                                                                             \
	X(CID_TOO_LONG, "cid_too_long", "CID over 20 bytes where the version caps it (§17.2)",       \
	  LQ_RP_GARBAGE | LQ_RP_DROP)                                                                             \
	X(LENGTH_OVERRUN, "length_overrun", "a Length, or a CID, runs past the datagram",            \
	  LQ_RP_GARBAGE | LQ_RP_DROP)                                                                             \
	X(BAD_TYPE, "bad_type",                                                                      \
	  "a type that cannot come from that side (Retry or VN sent to a server, 0-RTT from a "     \
	  "server)",                                                                                 \
	  LQ_RP_GARBAGE | LQ_RP_DROP)                                                                             \
	X(FIXED_BIT, "fixed_bit",                                                                    \
	  "fixed bit cleared with no connection that agreed to greasing (§17.2, RFC 9287)",          \
	  LQ_RP_GARBAGE)                                                                             \
	X(UNKNOWN_DCID, "unknown_dcid",                                                              \
	  "a short header to a known server whose DCID matches no connection", LQ_RP_GARBAGE)        \
	X(EMPTY, "empty", "no UDP payload", LQ_RP_GARBAGE | LQ_RP_DROP)                                           \
	X(RATE_LIMIT, "rate_limit", "guard: the source's long-header rate exceeded", LQ_RP_LIMIT)   \
	X(CONN_RATE, "conn_rate", "guard: the source's new-connection rate exceeded", LQ_RP_LIMIT)

/* ---- events: what a frame changed ------------------------------------------ */

#define LQ_EVENT_LIST(X)                                                                            \
	X(NONE, "", "nothing changed", 0)                                                            \
	X(NEW_CONN, "new_conn", "first packet of a new connection", 0)                               \
	X(RETRY, "retry", "the server asked for a Retry", 0)                                         \
	X(VN, "version_negotiation", "the server sent Version Negotiation", 0)                       \
	X(CID_CHANGE, "cid_change", "a new DCID on a known path: NEW_CONNECTION_ID in use", 0)       \
	X(REBINDING, "rebinding", "a known DCID on a new 4-tuple: NAT rebinding", 0)                 \
	X(PROBING, "probing",                                                                        \
	  "a new 4-tuple with a new DCID in a probe-sized datagram, linked to its connection", 0)    \
	X(MIGRATION, "migration",                                                                    \
	  "the first non-probing datagram from the prober on that path (RFC 9000 §9.2)", 0)          \
	X(SHARED, "shared_path", "a second connection on one 4-tuple", 0)                          \
	X(LINK, "link",                                                                              \
	  "an undecided path is linked: conn is its connection, covers its earlier frames", 0)

/* ---- QUIC packet types ------------------------------------------------------ */

#define LQ_PTYPE_LIST(X)                                                                            \
	X(NONE, "", "no QUIC packet", 0)                                                             \
	X(INITIAL, "initial", "Initial", 0)                                                          \
	X(0RTT, "0rtt", "0-RTT", 0)                                                                  \
	X(HANDSHAKE, "handshake", "Handshake", 0)                                                    \
	X(RETRY, "retry", "Retry", 0)                                                                \
	X(VN, "vn", "Version Negotiation", 0)                                                        \
	X(1RTT, "1rtt", "short header (1-RTT)", 0)                                                   \
	X(GQUIC, "gquic", "legacy Google QUIC public header (Q043 and older)", 0)

/* ---- record flags (lq_result.flags): bit n is entry n ---------------------- */

#define LQ_RFLAG_LIST(X)                                                                            \
	X(FIXED_CLEAR, "fixed_clear", "fixed bit greased on a known connection (RFC 9287)", 0)       \
	X(CUT, "cut", "header cut by the capture's snaplen", 0)                                      \
	X(PROBE_SIZE, "probe_size", "datagram of 1200 bytes or more", 0)                             \
	X(COALESCED, "coalesced", "more than one QUIC packet in the datagram", 0)                    \
	X(GSO_SEGMENT, "gso_segment", "one datagram of a UDP GSO super-packet (live, tc egress)", 0) \
	X(UNDECIDED, "undecided",                                                                    \
	  "a frame of a new path whose connection is not decided yet (pending until its link)", 0)

/* ---- path states (lq_path_val.state) --------------------------------------- */

#define LQ_PSTATE_LIST(X)                                                                           \
	X(HANDSHAKE, "handshake", "long headers only so far", 0)                                     \
	X(RETRY, "retry", "the server sent Retry: the next client Initial restarts", 0)              \
	X(VN, "vn", "the server sent Version Negotiation", 0)                                        \
	X(ESTABLISHED, "established", "short headers seen", 0)                                       \
	X(PROBING, "probing", "a new path linked by anchors, only probe-sized datagrams so far", 0)  \
	X(MIGRATED, "migrated", "the client sent non-probing packets on the new path", 0)           \
	X(UNDECIDED, "undecided", "a new path whose connection is being decided from evidence", 0)

/* ---- how a path came to belong to its connection (lq_path_val.origin) ------ */

#define LQ_LINK_LIST(X)                                                                             \
	X(HANDSHAKE, "handshake", "the connection started here", 0)                                  \
	X(CID, "cid", "a known DCID arrived on a new 4-tuple", 0)                                    \
	X(SIP, "client+server", "the only connection of the same client address and server", 0)     \
	X(CLIENT, "client", "the only connection of the same client address (the server moved)", 0)  \
	X(SERVER, "server", "the only connection of the same server (the client moved)", 0)

/* ---- where a record was taken (set by the BPF wrappers, 0 in replay) -------- */

#define LQ_HOOK_LIST(X)                                                                             \
	X(REPLAY, "replay", "linkquic-replay", 0)                                                    \
	X(XDP, "xdp", "XDP (ingress)", 0)                                                            \
	X(TC_IN, "tc-ingress", "tc ingress", 0)                                                      \
	X(TC_OUT, "tc-egress", "tc egress", 0)

/* ---- the maps ----------------------------------------------------------------
 * X(member, kernel_name, key type, value type, default max_entries,
 *   "option", "what it holds")
 * The kernel name is the seed's (what bpftool and --maps show, at most 15
 * characters); the member names the map in the code: LQ_MAP(member). */

#ifndef LQ_DEF_PATHS
#define LQ_DEF_PATHS 262144
#endif
#ifndef LQ_DEF_CIDS
#define LQ_DEF_CIDS 524288
#endif
#ifndef LQ_DEF_SERVERS
#define LQ_DEF_SERVERS 65536
#endif
#ifndef LQ_DEF_CLIENTS
#define LQ_DEF_CLIENTS 262144
#endif
#ifndef LQ_DEF_PENDING
#define LQ_DEF_PENDING 65536
#endif
#ifndef LQ_DEF_GUARD
#define LQ_DEF_GUARD 65536
#endif
#ifndef LQ_DEF_CONNS
#define LQ_DEF_CONNS 262144
#endif
#ifndef LQ_DEF_UNDECIDED
#define LQ_DEF_UNDECIDED 16384
#endif
#ifndef LQ_DEF_TENTATIVE
#define LQ_DEF_TENTATIVE 65536
#endif
#ifndef LQ_DEF_TENT_CIDS
#define LQ_DEF_TENT_CIDS 131072
#endif

#define LQ_MAP_LIST(X)                                                                              \
	X(paths, connections_map, struct lq_path_key, struct lq_path_val, LQ_DEF_PATHS,           \
	  "max-paths", "paths (4-tuples) of connections")                                            \
	X(cids, dcids_map, struct lq_cid, struct lq_cid_val, LQ_DEF_CIDS, "max-cids",              \
	  "connection IDs")                                                                          \
	X(servers, dest_map, struct lq_endpoint, struct lq_dest_val, LQ_DEF_SERVERS,              \
	  "max-servers", "QUIC servers: their CID lengths and live connections")                     \
	X(clients, sip_map, struct lq_sip_key, struct lq_anchor, LQ_DEF_CLIENTS, "max-clients",    \
	  "client addresses: their live connections")                                                \
	X(pending, potential_quic, struct lq_path_key, struct lq_pending_val, LQ_DEF_PENDING,     \
	  "max-pending", "pending flows: QUIC-like 4-tuples nothing links")                          \
	X(guard, lq_guard, struct lq_guard_key, struct lq_guard_val, LQ_DEF_GUARD, "max-guard",    \
	  "the guard's rate state per source") \
	X(conns, lq_conns, lq_u64, struct lq_conn_val, LQ_DEF_CONNS, "max-conns",                   \
	  "connections: the path each last used, its handshake RTT and CID lengths")               \
	X(undecided, lq_undecided, struct lq_path_key, struct lq_undecided_val, LQ_DEF_UNDECIDED,   \
	  "max-undecided", "new paths whose connection is being decided: the evidence")            \
	X(rivals, lq_rivals, lq_u64, struct lq_path_key, LQ_DEF_PENDING, "max-rivals",              \
	  "pending flows' pseudo-labels: the 4-tuple each stands for")                             \
	X(tentative, lq_tentative, struct lq_path_key, struct lq_path_val, LQ_DEF_TENTATIVE,         \
	  "max-tentative", "paths of handshakes not yet completed, and of undecided new paths")    \
	X(tent_cids, lq_tent_cids, struct lq_cid, struct lq_cid_val, LQ_DEF_TENT_CIDS,               \
	  "max-tent-cids", "connection IDs of handshakes not yet completed")

/* ---- the enums --------------------------------------------------------------- */

#define LQ__ENUM_V(id, name, desc, props) LQ_V_##id,
#define LQ__ENUM_R(id, name, desc, props) LQ_R_##id,
#define LQ__ENUM_E(id, name, desc, props) LQ_E_##id,
#define LQ__ENUM_PT(id, name, desc, props) LQ_PT_##id,
#define LQ__ENUM_RFB(id, name, desc, props) LQ_RFB_##id,
#define LQ__ENUM_PS(id, name, desc, props) LQ_PS_##id,
#define LQ__ENUM_LINK(id, name, desc, props) LQ_LINK_##id,
#define LQ__ENUM_HOOK(id, name, desc, props) LQ_HOOK_##id,
#define LQ__ENUM_MAP(m, kname, kt, vt, def, opt, desc) LQ_MAPID_##m,

enum lq_verdict { LQ_VERDICT_LIST(LQ__ENUM_V) LQ_V__COUNT };
enum lq_reason { LQ_REASON_LIST(LQ__ENUM_R) LQ_R__COUNT };
enum lq_event { LQ_EVENT_LIST(LQ__ENUM_E) LQ_E__COUNT };
enum lq_ptype { LQ_PTYPE_LIST(LQ__ENUM_PT) LQ_PT__COUNT };
enum lq_rflag_bit { LQ_RFLAG_LIST(LQ__ENUM_RFB) LQ_RFB__COUNT };
enum lq_path_state { LQ_PSTATE_LIST(LQ__ENUM_PS) LQ_PS__COUNT };
enum lq_link { LQ_LINK_LIST(LQ__ENUM_LINK) LQ_LINK__COUNT };
enum lq_hook { LQ_HOOK_LIST(LQ__ENUM_HOOK) LQ_HOOK__COUNT };
enum lq_map_id { LQ_MAP_LIST(LQ__ENUM_MAP) LQ_MAPID__COUNT };

/* lq_result.flags */
#define LQ_RF_FIXED_CLEAR (1 << LQ_RFB_FIXED_CLEAR)
#define LQ_RF_CUT (1 << LQ_RFB_CUT)
#define LQ_RF_PROBE_SIZE (1 << LQ_RFB_PROBE_SIZE)
#define LQ_RF_COALESCED (1 << LQ_RFB_COALESCED)
#define LQ_RF_GSO_SEGMENT (1 << LQ_RFB_GSO_SEGMENT)
#define LQ_RF_UNDECIDED (1 << LQ_RFB_UNDECIDED)

/* ---- properties, as masks --------------------------------------------------- */

/* (the ID is pasted at the first level: an argument passed on would be
 * macro-expanded first, and an includer's NONE would break it) */
#define LQ__V_WITH_UDP(id, name, desc, props) | ((props) & LQ_VP_UDP ? 1U << LQ_V_##id : 0U)
#define LQ__V_WITH_QUIC(id, name, desc, props) | ((props) & LQ_VP_QUIC ? 1U << LQ_V_##id : 0U)
#define LQ__V_WITH_NOTABLE(id, name, desc, props) | ((props) & LQ_VP_NOTABLE ? 1U << LQ_V_##id : 0U)
#define LQ__R_WITH_GARBAGE(id, name, desc, props) | ((props) & LQ_RP_GARBAGE ? 1U << LQ_R_##id : 0U)
#define LQ__R_WITH_LIMIT(id, name, desc, props) | ((props) & LQ_RP_LIMIT ? 1U << LQ_R_##id : 0U)
#define LQ__R_WITH_DROP(id, name, desc, props) | ((props) & LQ_RP_DROP ? 1U << LQ_R_##id : 0U)

/* verdicts whose frames had a UDP header, are QUIC-shaped, are notable */
#define LQ_VERDICTS_UDP (0U LQ_VERDICT_LIST(LQ__V_WITH_UDP))
#define LQ_VERDICTS_QUIC (0U LQ_VERDICT_LIST(LQ__V_WITH_QUIC))
#define LQ_VERDICTS_NOTABLE (0U LQ_VERDICT_LIST(LQ__V_WITH_NOTABLE))
/* Garbage classes; those --guard-drop may name, and drops unless told otherwise. */
#define LQ_REASONS_GARBAGE (0U LQ_REASON_LIST(LQ__R_WITH_GARBAGE))
#define LQ_GUARD_DROP_ALL (0U LQ_REASON_LIST(LQ__R_WITH_DROP))
#define LQ_REASONS_LIMIT (0U LQ_REASON_LIST(LQ__R_WITH_LIMIT))

/* Every bitmap holds what it is meant to hold. */
_Static_assert(LQ_V__COUNT <= 32, "verdict masks are 32-bit");
_Static_assert(LQ_R__COUNT <= 32, "lq_config.guard_drop is a 32-bit mask of reasons");
_Static_assert(LQ_R__COUNT <= 256 && LQ_E__COUNT <= 256 && LQ_PT__COUNT <= 256,
	       "lq_result keeps reason, event and type in a byte");
_Static_assert(LQ_E__COUNT <= 16, "lq_path_val.events is a 16-bit mask of events");
_Static_assert(LQ_PT__COUNT <= 8, "lq_result.types and lq_pkt.types are 8-bit masks of types");
_Static_assert(LQ_RFB__COUNT <= 8, "lq_result.flags is 8 bits");
_Static_assert(LQ_PS__COUNT <= 256 && LQ_LINK__COUNT <= 256 && LQ_HOOK__COUNT <= 256,
	       "path state, link and hook are bytes");

#endif /* LQ_VOCAB_H */
