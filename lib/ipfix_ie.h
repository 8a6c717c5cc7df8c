/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfix_ie.h - the one list of linkquic's enterprise-specific IPFIX
 * information elements (under --export-pen's number), and of the standard
 * ones nfacctd needs named: the exporter's information model, the XML file
 * ipfixDump and libfixbuf load, and pmacct's aggregate_primitives file are
 * all made from these lists (--export-elements; contrib/ipfix/ holds their
 * output, which the ipfix_elements test keeps equal to it).
 */
#ifndef LQ_IPFIX_IE_H
#define LQ_IPFIX_IE_H

/* Kinds: U8..U64 unsigned integers, STR a string, OCT an octet array (both
 * variable-length). Semantics (RFC 7012 §3.2, 0: default), units (RFC 5610). */

/* X(ID, NAME, KIND, SEMANTICS, UNITS, PMACCT_NAME, PMACCT_SEMANTICS, DESCRIPTION)
 * Numbered from 101: no number is that of a standard element of our
 * templates (nfacctd 1.7.7 reads 0 for an enterprise element whose number
 * a standard one of the same template has). */
#define LQ_IPFIX_IE_LIST(X)                                                                         \
	X(101, quicConnectionLabel, U64, identifier, none, quic_conn, hex,                             \
	  "the connection label: -f conn's conn, 16 hex digits, the same on every path and in "      \
	  "both directions")                                                                         \
	X(102, quicVersion, U32, identifier, none, quic_version, hex,                                  \
	  "the QUIC version the connection settled on")                                              \
	X(103, quicOriginalDcid, OCT, default, none, quic_odcid, raw,                                  \
	  "DCID of the client's first Initial")                                                      \
	X(104, quicClientScid, OCT, default, none, quic_client_scid, raw,                              \
	  "SCID of the client's first Initial")                                                      \
	X(105, quicServerScid, OCT, default, none, quic_server_scid, raw,                              \
	  "SCID of the server's first Initial (or Handshake)")                                       \
	X(106, quicServerName, STR, default, none, quic_sni, str,                                      \
	  "server_name of the ClientHello (SNI); empty when not learned")                            \
	X(107, quicAlpn, STR, default, none, quic_alpn, str,                                           \
	  "the ClientHello's ALPN list, joined by commas")                                           \
	X(108, quicJa4, STR, default, none, quic_ja4, str, "JA4 of the ClientHello (QUIC form)")       \
	X(109, quicJa4s, STR, default, none, quic_ja4s, str, "JA4S of the ServerHello")                \
	X(110, quicEvents, STR, default, none, quic_events, str,                                      \
	  "every event of the connection (or of the path), joined by commas: new_conn, "             \
	  "retry, version_negotiation, cid_change, rebinding, probing, migration, shared_path, "     \
	  "link")                                                                                    \
	X(111, quicPathCount, U32, quantity, none, quic_paths, u_int,                                 \
	  "paths the connection used (listed or past the bound)")                                    \
	X(112, quicMigrations, U32, quantity, none, quic_migrations, u_int,                           \
	  "paths it migrated to (RFC 9000 §9.2)")                                                    \
	X(113, quicRebindings, U32, quantity, none, quic_rebindings, u_int,                           \
	  "paths it came to by NAT rebinding (a known DCID on a new 4-tuple)")                       \
	X(114, quicCidChanges, U32, quantity, none, quic_cid_changes, u_int,                          \
	  "DCID changes seen (of the connection, or of the path)")                                   \
	X(115, quicHandshakeRtt, U64, quantity, nanoseconds, quic_handshake_rtt, u_int,               \
	  "the handshake RTT as the monitor sees it; 0 when not seen")                               \
	X(116, quicTlsCipher, U16, identifier, none, quic_tls_cipher, hex,                            \
	  "the cipher suite the ServerHello chose; 0 when not learned")                              \
	X(117, quicPathIndex, U16, identifier, none, quic_path, u_int,                                \
	  "a path record's path, 1 for the first (the connection's flow key)")                       \
	X(118, quicPathVia, STR, default, none, quic_path_via, str,                                   \
	  "how the path joined: handshake, cid (rebinding), probe, link")

/* Standard elements of the records that nfacctd does not read by itself,
 * for its aggregate_primitives file. PEN 29305 is RFC 5103's reverse
 * direction. X(PMACCT_NAME, FIELD_TYPE, LEN, PMACCT_SEMANTICS, NAME) */
#define LQ_IPFIX_PMACCT_STD_LIST(X)                                                                 \
	X(rev_bytes, "29305:1", "8", u_int, reverseOctetDeltaCount)                                  \
	X(rev_packets, "29305:2", "8", u_int, reversePacketDeltaCount)                               \
	X(tot_bytes, "85", "8", u_int, octetTotalCount)                                              \
	X(tot_packets, "86", "8", u_int, packetTotalCount)                                           \
	X(rev_tot_bytes, "29305:85", "8", u_int, reverseOctetTotalCount)                             \
	X(rev_tot_packets, "29305:86", "8", u_int, reversePacketTotalCount)                          \
	X(flow_end_reason, "136", "1", u_int, flowEndReason)                                         \
	X(obs_domain, "149", "4", u_int, observationDomainId)

#define LQ__IE_ENUM(id, name, kind, sem, units, pname, psem, desc) LQ_IE_##name = id,
enum lq_ipfix_ie { LQ_IPFIX_IE_LIST(LQ__IE_ENUM) };
#undef LQ__IE_ENUM

#endif
