// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_meta.c - lqmeta on real bytes: the sample packets of RFC 9001
 * Appendix A and RFC 9369 Appendix A (keys, client and server Initials,
 * header protection, Retry), then connections built from the RFC's
 * ClientHello, sealed with the RFC's keys and fed as datagrams: CRYPTO out of
 * order, with gaps, duplicates, overlaps that agree and that do not, over the
 * bound, lying lengths, garbage after padding, a wrong tag, a Retry.
 * A failed check prints its name, what was expected, what came out, and a
 * hex dump.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meta.h"

/* ---- RFC 9001 A.2-A.4 and RFC 9369 A.2-A.4, as printed there --------------- */

static const char V1_CLIENT_CRYPTO[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";
static const char V1_CLIENT_HEADER[] =
	"c300000001088394c8f03e5157080000449e00000002";
static const char V1_CLIENT_PROTECTED[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";
static const char V1_SERVER_PAYLOAD[] =
	"02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
	"88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
	"0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
	"020304";
static const char V1_SERVER_HEADER[] =
	"c1000000010008f067a5502a4262b50040750001";
static const char V1_SERVER_PROTECTED[] =
	"cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
	"5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
	"dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
	"022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
	"2158407dd074ee";
static const char V1_RETRY[] =
	"ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f"
	"0f2496ba";
static const char V2_CLIENT_CRYPTO[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";
static const char V2_CLIENT_HEADER[] =
	"d36b3343cf088394c8f03e5157080000449e00000002";
static const char V2_CLIENT_PROTECTED[] =
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
	"a18b2faa745b6fe189cf772a9f84cbfc";
static const char V2_SERVER_PAYLOAD[] =
	"02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
	"88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
	"0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
	"020304";
static const char V2_SERVER_HEADER[] =
	"d16b3343cf0008f067a5502a4262b50040750001";
static const char V2_SERVER_PROTECTED[] =
	"dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698"
	"baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17"
	"f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2"
	"c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8"
	"4bed8521e2e140";
static const char V2_RETRY[] =
	"cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d9555436"
	"65dcc7b6";


static const char DCID_HEX[] = "8394c8f03e515708"; /* both RFCs' client-chosen DCID */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void dump(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "  %s (%zu bytes):", what, n);
	for (size_t i = 0; i < n && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", p[i]);
	fprintf(stderr, "%s\n", n > 96 ? " ..." : "");
}

/* Compares bytes with the RFC's hex; on a difference prints both and fails. */
static void check_hex(const char *name, const char *want_hex, const uint8_t *got, size_t got_len)
{
	uint8_t want[2048];
	size_t n = unhex(want_hex, want, sizeof(want));

	if (n == got_len && !memcmp(want, got, n))
		return;
	fprintf(stderr, "FAIL %s:\n", name);
	dump("expected", want, n);
	dump("actual", got, got_len);
	fail_msg("%s differs", name);
}

static void check_str(const char *name, const char *want, const char *got)
{
	if (want == got || (want && got && !strcmp(want, got)))
		return;
	fprintf(stderr, "FAIL %s: expected '%s', actual '%s'\n", name, want ? want : "(none)",
		got ? got : "(none)");
	fail_msg("%s differs", name);
}

static void check_reason(const char *name, enum lq_meta_reason want, unsigned got)
{
	if (want == got)
		return;
	fprintf(stderr, "FAIL %s: expected %s, actual %s\n", name, lq_meta_reason_name(want),
		lq_meta_reason_name((enum lq_meta_reason)got));
	fail_msg("%s differs", name);
}

static void version(uint32_t v, struct lq_initial_version *out)
{
	assert_int_equal(lq_initial_version_info(v, out), 1);
}

/* ---- keys ------------------------------------------------------------------ */

static void keys_test(uint32_t ver, const char *initial, const char *cs, const char *ss,
		      const char *ck, const char *civ, const char *chp, const char *sk,
		      const char *siv, const char *shp)
{
	struct lq_initial_version v;
	struct lq_initial_keys c, s;
	uint8_t dcid[8], is[32], csec[32], ssec[32];

	version(ver, &v);
	unhex(DCID_HEX, dcid, sizeof(dcid));
	assert_int_equal(lq_initial_secrets(&v, dcid, 8, is, csec, ssec), 0);
	check_hex("initial_secret", initial, is, 32);
	check_hex("client_initial_secret", cs, csec, 32);
	check_hex("server_initial_secret", ss, ssec, 32);
	assert_int_equal(lq_initial_derive(&v, dcid, 8, &c, &s), 0);
	check_hex("client key", ck, c.key, 16);
	check_hex("client iv", civ, c.iv, 12);
	check_hex("client hp", chp, c.hp, 16);
	check_hex("server key", sk, s.key, 16);
	check_hex("server iv", siv, s.iv, 12);
	check_hex("server hp", shp, s.hp, 16);
}

static void rfc9001_keys(void **state)
{
	(void)state;
	keys_test(1, "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44",
		  "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea",
		  "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b",
		  "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c",
		  "9f50449e04a0e810283a1e9933adedd2", "cf3a5331653c364c88f0f379b6067e37",
		  "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314");
}

static void rfc9369_keys(void **state)
{
	(void)state;
	keys_test(0x6b3343cf, "2062e8b3cd8d52092614b8071d0aa1fb7c2e3ac193f78b280e72d8f5751f6aba",
		  "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b",
		  "0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1",
		  "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f",
		  "45b95e15235d6f45a6b19cbcb0294ba9", "82db637861d55e1d011f19ea71d5d2a7",
		  "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a");
}

/* ---- the sample packets ------------------------------------------------------ */

struct sample {
	uint32_t version;
	const char *client_crypto, *client_header, *client_protected;
	const char *server_payload, *server_header, *server_protected, *retry;
	const char *client_mask, *server_mask;
};

static const struct sample S1 = {1, V1_CLIENT_CRYPTO, V1_CLIENT_HEADER, V1_CLIENT_PROTECTED,
				 V1_SERVER_PAYLOAD, V1_SERVER_HEADER, V1_SERVER_PROTECTED, V1_RETRY,
				 "437b9aec36", "2ec0d8356a"};
static const struct sample S2 = {0x6b3343cf, V2_CLIENT_CRYPTO, V2_CLIENT_HEADER, V2_CLIENT_PROTECTED,
				 V2_SERVER_PAYLOAD, V2_SERVER_HEADER, V2_SERVER_PROTECTED, V2_RETRY,
				 "94a0c95e80", "4dd92e91ea"};

static void sample_packets(const struct sample *x)
{
	static uint8_t pkt[1500], hdr[64], pay[1500], out[1500];
	struct lq_initial_version v;
	struct lq_initial_keys c, s;
	struct lq_opened o;
	uint8_t dcid[8], mask[5];
	size_t n, hn, pn;

	version(x->version, &v);
	unhex(DCID_HEX, dcid, sizeof(dcid));
	lq_initial_derive(&v, dcid, 8, &c, &s);

	/* client: header protection mask over the sample (RFC 9001 §5.4.2) */
	n = unhex(x->client_protected, pkt, sizeof(pkt));
	assert_int_equal(lq_initial_hp_mask(&c, pkt + 22, mask), 0); /* pn at 18, sample at 22 */
	check_hex("client mask", x->client_mask, mask, 5);
	assert_int_equal(lq_initial_open(&c, pkt, n, 18, 0, 0, out, &o), LQ_OPEN_OK);
	assert_int_equal(o.pn, 2);
	assert_int_equal(o.pn_len, 4);
	assert_int_equal(o.plain_len, 1162);
	hn = unhex(x->client_crypto, pay, sizeof(pay));
	check_hex("client payload's CRYPTO frame", x->client_crypto, o.plain, hn);
	for (size_t i = hn; i < o.plain_len; i++)
		assert_int_equal(o.plain[i], 0); /* PADDING to 1162 bytes */
	/* sealing the RFC's header and payload gives the RFC's packet */
	memset(pay + hn, 0, 1162 - hn);
	hn = unhex(x->client_header, hdr, sizeof(hdr));
	assert_int_equal(lq_initial_seal(&c, hdr, hn, 4, 2, pay, 1162, out), 1200);
	check_hex("client Initial sealed", x->client_protected, out, 1200);

	/* server: 2-byte packet number, sample from the third protected byte */
	n = unhex(x->server_protected, pkt, sizeof(pkt));
	assert_int_equal(lq_initial_hp_mask(&s, pkt + 18 + 4, mask), 0);
	check_hex("server mask", x->server_mask, mask, 5);
	assert_int_equal(lq_initial_open(&s, pkt, n, 18, 0, 0, out, &o), LQ_OPEN_OK);
	assert_int_equal(o.pn, 1);
	assert_int_equal(o.pn_len, 2);
	check_hex("server payload", x->server_payload, o.plain, o.plain_len);
	pn = unhex(x->server_payload, pay, sizeof(pay));
	hn = unhex(x->server_header, hdr, sizeof(hdr));
	assert_int_equal(lq_initial_seal(&s, hdr, hn, 2, 1, pay, pn, out), n);
	check_hex("server Initial sealed", x->server_protected, out, n);

	/* the client's keys do not open the server's packet: the tag says no */
	n = unhex(x->server_protected, pkt, sizeof(pkt));
	assert_int_equal(lq_initial_open(&c, pkt, n, 18, 0, 0, out, &o), LQ_OPEN_BAD_TAG);

	/* Retry integrity tag (RFC 9001 §5.8) over the client's DCID */
	n = unhex(x->retry, pkt, sizeof(pkt));
	assert_int_equal(lq_initial_retry_valid(&v, dcid, 8, pkt, n), 1);
	pkt[n - 1] ^= 1;
	assert_int_equal(lq_initial_retry_valid(&v, dcid, 8, pkt, n), 0);
}

static void rfc9001_packets(void **state)
{
	(void)state;
	sample_packets(&S1);
}

static void rfc9369_packets(void **state)
{
	(void)state;
	sample_packets(&S2);
}

/* RFC 9000 §A.3's example: 0x9b32 after 0xa82f30ea is 0xa82f9b32. */
static void pn_decoding(void **state)
{
	(void)state;
	assert_int_equal(lq_decode_pn(0xa82f30ea, 1, 0x9b32, 2), 0xa82f9b32);
	assert_int_equal(lq_decode_pn(0, 0, 2, 4), 2);
	assert_int_equal(lq_decode_pn(0xff, 1, 0x01, 1), 0x101);
}

/* ---- connections built from the RFC's ClientHello ------------------------------ */

static uint8_t hello[512];	 /* the RFC 9001 A.2 ClientHello */
static size_t hello_len;
static uint8_t server_hello[128]; /* the RFC 9001 A.3 ServerHello */
static size_t server_hello_len;

static void load_hellos(void)
{
	uint8_t f[512];
	size_t n = unhex(V1_CLIENT_CRYPTO, f, sizeof(f));

	/* 06 00 40f1: CRYPTO at offset 0, 241 bytes */
	hello_len = n - 4;
	memcpy(hello, f + 4, hello_len);
	/* 02 00 00 00 00 (ACK), 06 00 405a: CRYPTO at 0, 90 bytes */
	n = unhex(V1_SERVER_PAYLOAD, f, sizeof(f));
	server_hello_len = n - 9;
	memcpy(server_hello, f + 9, server_hello_len);
}

struct frames {
	uint8_t b[4096];
	size_t n;
};

static void put_varint(struct frames *f, uint64_t v)
{
	if (v < 64) {
		f->b[f->n++] = (uint8_t)v;
	} else if (v < 16384) {
		f->b[f->n++] = (uint8_t)(0x40 | v >> 8);
		f->b[f->n++] = (uint8_t)v;
	} else {
		f->b[f->n++] = (uint8_t)(0x80 | v >> 24);
		f->b[f->n++] = (uint8_t)(v >> 16);
		f->b[f->n++] = (uint8_t)(v >> 8);
		f->b[f->n++] = (uint8_t)v;
	}
}

/* A CRYPTO frame carrying data[off..off+len) (data may differ from hello) */
static void crypto(struct frames *f, const uint8_t *data, size_t off, size_t len)
{
	f->b[f->n++] = 0x06;
	put_varint(f, off);
	put_varint(f, len);
	memcpy(f->b + f->n, data + off, len);
	f->n += len;
}

static void padding(struct frames *f, size_t k)
{
	memset(f->b + f->n, 0, k);
	f->n += k;
}

struct conn {
	uint32_t version;
	uint8_t dcid[20], scid[20];
	size_t dcil, scil;
	struct lq_initial_version v;
	struct lq_initial_keys c, s;
};

static void conn_init(struct conn *k, uint32_t ver)
{
	memset(k, 0, sizeof(*k));
	k->version = ver;
	k->dcil = unhex(DCID_HEX, k->dcid, sizeof(k->dcid));
	k->scil = unhex("c0ffee01", k->scid, sizeof(k->scid));
	version(ver, &k->v);
	lq_initial_derive(&k->v, k->dcid, k->dcil, &k->c, &k->s);
}

/* An Initial (RFC 9000 §17.2.2) with a 4-byte packet number, sealed. */
static size_t initial(const struct conn *k, int server, const uint8_t *dcid, size_t dcil,
		      uint64_t pn, const struct frames *f, uint8_t *out)
{
	uint8_t hdr[64];
	size_t h = 0, len = 4 + f->n + 16;
	const uint8_t *scid = server ? (const uint8_t *)"\x5e\x4e\x4e\x01" : k->scid;

	hdr[h++] = (uint8_t)(k->v.v2types ? 0xd3 : 0xc3);
	for (int i = 3; i >= 0; i--)
		hdr[h++] = (uint8_t)(k->version >> (8 * i));
	hdr[h++] = (uint8_t)dcil;
	memcpy(hdr + h, dcid, dcil);
	h += dcil;
	hdr[h++] = 4;
	memcpy(hdr + h, scid, 4);
	h += 4;
	hdr[h++] = 0; /* no token */
	hdr[h++] = (uint8_t)(0x40 | len >> 8);
	hdr[h++] = (uint8_t)len;
	for (int i = 3; i >= 0; i--)
		hdr[h++] = (uint8_t)(pn >> (8 * i));
	return lq_initial_seal(server ? &k->s : &k->c, hdr, h, 4, pn, f->b, f->n, out);
}

static uint8_t dg[8192];
static uint64_t now; /* each datagram 1 µs after the one before */

static void feed_client(struct lq_meta *m, const struct conn *k, uint64_t pn, const struct frames *f)
{
	size_t n = initial(k, 0, k->dcid, k->dcil, pn, f, dg);

	assert_true(n > 0);
	now += 1000;
	lq_meta_feed(m, LQ_META_C2S, now, dg, n, n);
}

static void feed_server(struct lq_meta *m, const struct conn *k, uint64_t pn, const struct frames *f)
{
	size_t n = initial(k, 1, k->scid, k->scil, pn, f, dg);

	assert_true(n > 0);
	now += 1000;
	lq_meta_feed(m, LQ_META_S2C, now, dg, n, n);
}

static const struct lq_meta_info *finish(struct lq_meta *m)
{
	lq_meta_finish(m);
	return lq_meta_info(m);
}

/* The RFC's hello: example.com, ALPN "alpn", the TLS 1.3 suites. */
static void expect_rfc_hello(const struct lq_meta_info *i)
{
	check_reason("client_reason", LQ_MR_OK, i->client_reason);
	check_str("sni", "example.com", i->ch.sni);
	assert_int_equal(i->ch.nalpn, 1);
	assert_int_equal(i->ch.alpn_len[0], 4);
	assert_memory_equal(i->ch.alpn, "alpn", 4);
	/* ciphers 1301 1302 */
	assert_int_equal(i->ch.total_ciphers, 2);
	assert_true(i->ch.tp.present);
	assert_true(i->ch.tp.have & LQ_TPH_MAX_IDLE);
	assert_int_equal(i->ch.tp.max_idle_timeout, 30000);
	/* JA4: TLS 1.3, SNI, 2 ciphers, ALPN "alpn" -> "an" */
	if (strncmp(i->ja4, "q13d02", 6) || strncmp(i->ja4 + 8, "an_", 3))
		check_str("ja4", "q13d02..an_...", i->ja4);
}

/* A connection begun (limits lim, NULL: the defaults) with the RFC's
 * ClientHello whole in its client's first Initial. */
static void begin_rfc_hello(struct lq_meta *m, struct conn *k, const struct lq_meta_limits *lim)
{
	struct frames f = {.n = 0};

	conn_init(k, 1);
	lq_meta_init(m, lim);
	crypto(&f, hello, 0, hello_len);
	padding(&f, 1000);
	feed_client(m, k, 0, &f);
}

static void whole_hello(void **state)
{
	struct lq_meta m;
	struct frames sf = {.n = 0};
	struct conn k;
	const struct lq_meta_info *i;

	(void)state;
	begin_rfc_hello(&m, &k, NULL);
	crypto(&sf, server_hello, 0, server_hello_len);
	feed_server(&m, &k, 0, &sf);
	feed_client(&m, &k, 1, &(struct frames){.b = {1}, .n = 1}); /* PING: the client's answer */
	assert_true(lq_meta_done(&m));
	i = finish(&m);
	expect_rfc_hello(i);
	check_reason("server_reason", LQ_MR_OK, i->server_reason);
	/* JA4S: TLS 1.3, 2 extensions (key_share, supported_versions), no ALPN in
	 * a ServerHello, TLS_AES_128_GCM_SHA256, SHA-256("0033,002b") */
	check_str("ja4s", "q130200_1301_234ea6891581", i->ja4s);
	assert_int_equal(i->rtt_server_ns, 1000);
	assert_int_equal(i->rtt_client_ns, 1000);
	assert_int_equal(i->handshake_rtt_ns, 2000);
	/* the RFC's hello says initial_source_connection_id 8394c8f03e515708, and
	 * this test's long header carries SCID c0ffee01: reported as a mismatch */
	check_hex("tp iscid", DCID_HEX, i->ch.tp.iscid, i->ch.tp.iscid_len);
	assert_int_equal(i->iscid_match, 0);
	lq_meta_free(&m);
}

/* client_only (the table's SNI): done as soon as the ClientHello is parsed,
 * with what the client's side gives exactly as the whole run gives it, and
 * no server Initial looked at after that. */
static void client_only(void **state)
{
	struct lq_meta_limits lim = {.client_only = 1};
	struct lq_meta m;
	struct frames sf = {.n = 0};
	struct conn k;
	const struct lq_meta_info *i;

	(void)state;
	begin_rfc_hello(&m, &k, &lim);
	assert_true(lq_meta_done(&m)); /* no server answer waited for */
	crypto(&sf, server_hello, 0, server_hello_len);
	feed_server(&m, &k, 0, &sf);
	i = finish(&m);
	expect_rfc_hello(i);
	check_reason("server_reason", LQ_MR_NO_INITIAL, i->server_reason);
	assert_int_equal(i->has_sh, 0);
	check_str("ja4s", "", i->ja4s);
	assert_int_equal(i->initials[1], 0);
	{ /* the server's keys were never derived */
		static const struct lq_initial_keys none;

		assert_memory_equal(&m.keys[1], &none, sizeof(none));
	}
	lq_meta_free(&m);
}

/* A connection whose ClientHello comes in pieces, fed as several Initials. */
struct piece {
	size_t off, len;
	int pkt; /* which Initial carries it */
};

static const struct lq_meta_info *pieces(struct lq_meta *m, const struct lq_meta_limits *lim,
					 const uint8_t *data, const struct piece *p, size_t np,
					 int npkts)
{
	struct conn k;

	conn_init(&k, 1);
	lq_meta_init(m, lim);
	for (int n = 0; n < npkts; n++) {
		struct frames f = {.n = 0};
		for (size_t j = 0; j < np; j++)
			if (p[j].pkt == n)
				crypto(&f, data, p[j].off, p[j].len);
		padding(&f, 20);
		feed_client(m, &k, (uint64_t)n, &f);
	}
	return finish(m);
}

static void out_of_order(void **state)
{
	/* three Initials, reversed; inside the first, pieces shuffled (Chrome) */
	const struct piece p[] = {{200, 41, 0}, {0, 50, 0}, {150, 50, 1}, {50, 100, 2}};
	struct lq_meta m;

	(void)state;
	expect_rfc_hello(pieces(&m, NULL, hello, p, 4, 3));
	assert_null(m.stream[0].buf); /* freed once parsed */
	lq_meta_free(&m);
}

static void duplicates_and_overlaps(void **state)
{
	/* the same bytes twice, and ranges that overlap with the same bytes */
	const struct piece p[] = {{0, 100, 0}, {0, 100, 1}, {50, 120, 1}, {160, 81, 2}, {90, 20, 2}};
	struct lq_meta m;

	(void)state;
	expect_rfc_hello(pieces(&m, NULL, hello, p, 5, 3));
	lq_meta_free(&m);
}

static void gap(void **state)
{
	/* bytes 100..120 never come: no hello, and the reason says why */
	const struct piece p[] = {{0, 100, 0}, {120, 121, 1}};
	struct lq_meta m;
	const struct lq_meta_info *i;

	(void)state;
	i = pieces(&m, NULL, hello, p, 2, 2);
	check_reason("client_reason", LQ_MR_CRYPTO_GAP, i->client_reason);
	assert_int_equal(i->has_ch, 0);
	assert_int_equal(i->ch.sni_len, 0);
	assert_null(m.stream[0].buf);
	lq_meta_free(&m);
}

static void conflicting_overlap(void **state)
{
	/* a second copy of bytes 40..80 with the SNI changed: never parsed */
	uint8_t evil[512];
	struct lq_meta m;
	struct conn k;
	struct frames f = {.n = 0}, g = {.n = 0};
	const struct lq_meta_info *i;
	uint8_t *sni;

	(void)state;
	memcpy(evil, hello, hello_len);
	sni = memmem(evil, hello_len, "example.com", 11);
	assert_non_null(sni);
	memcpy(sni, "evil.ex.com", 11);
	conn_init(&k, 1);
	lq_meta_init(&m, NULL);
	crypto(&f, hello, 0, 80);
	feed_client(&m, &k, 0, &f);
	crypto(&g, evil, 40, hello_len - 40); /* overlaps 40..80, which agree, and the rest */
	crypto(&g, evil, (size_t)(sni - evil), 11);
	feed_client(&m, &k, 1, &g);
	i = finish(&m);
	if (sni - evil < 80) { /* the SNI sits in the overlap: a conflict */
		check_reason("client_reason", LQ_MR_CRYPTO_CONFLICT, i->client_reason);
	}
	assert_int_equal(i->has_ch, 0);
	assert_int_equal(i->ch.sni_len, 0);
	assert_int_equal(i->ja4[0], 0);
	lq_meta_free(&m);
}

static void over_bound(void **state)
{
	const struct piece p[] = {{0, 100, 0}, {100, 141, 1}};
	struct lq_meta_limits lim = {.max_hello_bytes = 128};
	struct lq_meta m;
	const struct lq_meta_info *i;

	(void)state;
	i = pieces(&m, &lim, hello, p, 2, 2);
	check_reason("client_reason", LQ_MR_OVER_BOUND, i->client_reason);
	assert_int_equal(i->has_ch, 0);
	assert_null(m.stream[0].buf);
	lq_meta_free(&m);
}

static void lying_crypto_length(void **state)
{
	/* a CRYPTO frame whose Length runs past the packet, then the rest */
	struct lq_meta m;
	struct conn k;
	struct frames f = {.n = 0};
	const struct lq_meta_info *i;

	(void)state;
	conn_init(&k, 1);
	lq_meta_init(&m, NULL);
	crypto(&f, hello, 0, 100);
	f.b[2] = 0x40, f.b[3] = 0xff; /* the length says 255, 100 follow */
	feed_client(&m, &k, 0, &f);
	i = finish(&m);
	check_reason("client_reason", LQ_MR_BAD_FRAME, i->client_reason);
	assert_int_equal(i->has_ch, 0);
	lq_meta_free(&m);

	/* a ClientHello whose own length lies (says more than the stream holds) */
	uint8_t h2[512];
	memcpy(h2, hello, hello_len);
	h2[3] = 0xff;
	const struct piece p[] = {{0, 241, 0}};
	i = pieces(&m, NULL, h2, p, 1, 1);
	check_reason("client_reason", LQ_MR_CRYPTO_GAP, i->client_reason);
	lq_meta_free(&m);
}

static void garbage_after_padding(void **state)
{
	/* the hello, padding, then bytes that are no frame: the walk stops there */
	struct lq_meta m;
	struct conn k;
	struct frames f = {.n = 0};

	(void)state;
	conn_init(&k, 1);
	lq_meta_init(&m, NULL);
	crypto(&f, hello, 0, hello_len);
	padding(&f, 100);
	memcpy(f.b + f.n, "\x31\xff\xfe\x06\x00\x10garbage", 13);
	f.n += 13;
	feed_client(&m, &k, 0, &f);
	expect_rfc_hello(finish(&m));
	lq_meta_free(&m);
}

static void wrong_tag(void **state)
{
	/* one bit flipped in the ciphertext: nothing of the packet is reported */
	struct lq_meta m;
	struct conn k;
	struct frames f = {.n = 0};
	const struct lq_meta_info *i;
	size_t n;

	(void)state;
	conn_init(&k, 1);
	lq_meta_init(&m, NULL);
	crypto(&f, hello, 0, hello_len);
	padding(&f, 900);
	n = initial(&k, 0, k.dcid, k.dcil, 0, &f, dg);
	dg[n - 40] ^= 0x04;
	lq_meta_feed(&m, LQ_META_C2S, 1, dg, n, n);
	i = finish(&m);
	check_reason("client_reason", LQ_MR_DECRYPT_FAILED, i->client_reason);
	assert_int_equal(i->initials_failed[0], 1);
	assert_int_equal(i->has_ch, 0);
	assert_int_equal(i->ch.sni_len, 0);
	assert_int_equal(i->ja4[0], 0);
	lq_meta_free(&m);
}

static void keys_after_retry(void **state)
{
	/* RFC 9001 A.4: the Retry to the A.2 Initial, SCID f067a5502a4262b5. After
	 * it, the client's Initials are keyed from that SCID, not the first DCID. */
	struct lq_meta m;
	struct conn k, r;
	struct frames f = {.n = 0}, g = {.n = 0};
	const struct lq_meta_info *i;
	uint8_t retry[64];
	size_t n;

	(void)state;
	conn_init(&k, 1);
	lq_meta_init(&m, NULL);
	crypto(&f, hello, 0, 100); /* a first Initial with only part of the hello */
	feed_client(&m, &k, 0, &f);
	n = unhex(V1_RETRY, retry, sizeof(retry));
	lq_meta_feed(&m, LQ_META_S2C, 5000, retry, n, n);
	assert_int_equal(m.info.retry_seen, 1);
	assert_int_equal(m.info.retry_verified, 1);

	/* an Initial still keyed from the first DCID no longer opens */
	crypto(&g, hello, 0, hello_len);
	feed_client(&m, &k, 1, &g);
	assert_int_equal(m.info.initials_failed[0], 1);

	/* one keyed from the Retry's SCID does, and gives the hello */
	r = k;
	r.dcil = unhex("f067a5502a4262b5", r.dcid, sizeof(r.dcid));
	lq_initial_derive(&r.v, r.dcid, r.dcil, &r.c, &r.s);
	feed_client(&m, &r, 2, &g);
	i = finish(&m);
	expect_rfc_hello(i);
	check_hex("retry_scid", "f067a5502a4262b5", i->retry_scid.id, i->retry_scid.len);
	check_hex("original_dcid", DCID_HEX, i->original_dcid.id, i->original_dcid.len);
	lq_meta_free(&m);

	/* a Retry whose tag does not check changes nothing */
	conn_init(&k, 1);
	lq_meta_init(&m, NULL);
	feed_client(&m, &k, 0, &f);
	retry[n - 3] ^= 0x80;
	lq_meta_feed(&m, LQ_META_S2C, 5000, retry, n, n);
	assert_int_equal(m.info.retry_seen, 0);
	assert_int_equal(m.info.retries_ignored, 1);
	lq_meta_free(&m);
}

static void v2_connection(void **state)
{
	/* QUIC v2: Initial type 0b01 and its own keys (RFC 9369 §3.2, §3.3) */
	struct lq_meta m;
	struct conn k;
	struct frames f = {.n = 0};

	(void)state;
	conn_init(&k, 0x6b3343cf);
	lq_meta_init(&m, NULL);
	crypto(&f, hello, 120, hello_len - 120);
	crypto(&f, hello, 0, 120);
	feed_client(&m, &k, 0, &f);
	expect_rfc_hello(finish(&m));
	assert_int_equal(m.info.version, 0x6b3343cf);
	lq_meta_free(&m);
}

static void coalesced_and_short(void **state)
{
	/* a server datagram: Initial, then a Handshake packet, then a short header */
	struct lq_meta m;
	struct conn k;
	struct frames f = {.n = 0}, sf = {.n = 0};
	uint8_t big[4096];
	size_t n;

	(void)state;
	conn_init(&k, 1);
	lq_meta_init(&m, NULL);
	crypto(&f, hello, 0, hello_len);
	feed_client(&m, &k, 0, &f);
	crypto(&sf, server_hello, 0, server_hello_len);
	n = initial(&k, 1, k.scid, k.scil, 0, &sf, big);
	memcpy(big + n, "\xe0\x00\x00\x00\x01\x04\xc0\xff\xee\x01\x00\x05\x01\x02\x03\x04\x05", 17);
	memcpy(big + n + 17, "\x40\x01\x02\x03", 4);
	lq_meta_feed(&m, LQ_META_S2C, 9000, big, n + 21, n + 21);
	check_reason("server_reason", LQ_MR_OK, m.info.server_reason);
	lq_meta_free(&m);
}

static void versions_table(void **state)
{
	struct lq_initial_version v;

	(void)state;
	version(0xff00001d, &v);
	check_str("draft-29", "draft-29", v.name);
	version(0x709a50c4, &v);
	assert_true(v.v2types && v.v2labels);
	version(0xff020000, &v);
	assert_true(!v.v2types && v.v2labels);
	assert_int_equal(lq_initial_version_info(0x51303436, &v), 0); /* Q046: its own crypto */
	assert_int_equal(lq_initial_version_info(0xff000010, &v), 0); /* draft-16: no header protection */
	assert_int_equal(lq_initial_reserved_candidates(0x1a2a3a4a, (struct lq_initial_version[2]){0}, 2), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc9001_keys),
		cmocka_unit_test(rfc9001_packets),
		cmocka_unit_test(rfc9369_keys),
		cmocka_unit_test(rfc9369_packets),
		cmocka_unit_test(pn_decoding),
		cmocka_unit_test(whole_hello),
		cmocka_unit_test(client_only),
		cmocka_unit_test(out_of_order),
		cmocka_unit_test(duplicates_and_overlaps),
		cmocka_unit_test(gap),
		cmocka_unit_test(conflicting_overlap),
		cmocka_unit_test(over_bound),
		cmocka_unit_test(lying_crypto_length),
		cmocka_unit_test(garbage_after_padding),
		cmocka_unit_test(wrong_tag),
		cmocka_unit_test(keys_after_retry),
		cmocka_unit_test(v2_connection),
		cmocka_unit_test(coalesced_and_short),
		cmocka_unit_test(versions_table),
	};
	int r;

	load_hellos();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	lq_meta_thread_cleanup();
	return r;
}
