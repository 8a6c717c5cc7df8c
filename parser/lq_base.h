/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_base.h - freestanding basics shared by the BPF programs and user space.
 *
 * Nothing here includes libc, kernel or libbpf headers: integer types come
 * from compiler builtins, multi-byte fields are read byte by byte in network
 * order, and every helper is an always-inline function so the BPF verifier
 * sees straight-line code.
 */
#ifndef LQ_BASE_H
#define LQ_BASE_H

typedef __UINT8_TYPE__ lq_u8;
typedef __UINT16_TYPE__ lq_u16;
typedef __UINT32_TYPE__ lq_u32;
typedef __UINT64_TYPE__ lq_u64;
typedef __INT32_TYPE__ lq_s32;
typedef __INT64_TYPE__ lq_s64;

#ifndef LQ_INLINE
#define LQ_INLINE static inline __attribute__((always_inline))
#endif

/* A step of the tracker. In BPF it is a subprogram with its own stack frame
 * (the whole tracker inlined into one function spills past 512 bytes);
 * in user space it is inlined like everything else. At most 5 arguments. */
#ifndef LQ_SUBPROG
#ifdef __BPF__
#define LQ_SUBPROG static __attribute__((noinline))
#else
#define LQ_SUBPROG LQ_INLINE
#endif
#endif

/* A step the BPF verifier checks once, on its own, for any arguments of its
 * types (a global function), rather than at every call with the caller's
 * state: for loops over slots that many callers use. It sees no struct
 * lq_st (a pointer read from memory is no pointer to the verifier): its
 * arguments are scalars and pointers to flat structs, and it checks those
 * for NULL. In user space it is inlined like everything else. */
#ifndef LQ_GLOBAL
#ifdef __BPF__
#define LQ_GLOBAL __attribute__((noinline))
#else
#define LQ_GLOBAL LQ_INLINE
#endif
#endif

#ifndef LQ_LIKELY
#define LQ_LIKELY(x) __builtin_expect(!!(x), 1)
#endif
#ifndef LQ_UNLIKELY
#define LQ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#endif

#ifndef LQ_NULL
#define LQ_NULL ((void *)0)
#endif

/* Loops have constant bounds; kernels since 5.3 verify them as they are,
 * so nothing is forced to unroll (define LQ_UNROLL for older verifiers). */
#ifndef LQ_UNROLL
#define LQ_UNROLL
#endif

/* Hides a value from the optimiser, so that a bounds mask applied after it
 * is kept: the BPF verifier then sees the bound on the very register used
 * for a packet access, not on a copy the compiler compared earlier. */
#ifndef lq_barrier_var
#ifdef __BPF__
#define lq_barrier_var(x) __asm__ volatile("" : "+r"(x))
#else
#define lq_barrier_var(x) ((void)0)
#endif
#endif

/* Copies n (1..32) bytes from p, which the caller checked lies inside the
 * frame. BPF: bpf_probe_read_kernel() (its own bpf_helpers.h must be
 * included first); user space: a plain copy. */
#ifndef lq_load_bytes
#ifdef __BPF__
#define lq_load_bytes(dst, p, n) (bpf_probe_read_kernel((dst), (n) & 31, (p)) ? -1 : 0)
#else
#define lq_load_bytes(dst, p, n) (__builtin_memcpy((dst), (p), (n)), 0)
#endif
#endif

/* Big-endian reads. Callers check bounds first: p + n <= end. */
LQ_INLINE lq_u16 lq_get_be16(const lq_u8 *p)
{
	return (lq_u16)(((lq_u16)p[0] << 8) | p[1]);
}

LQ_INLINE lq_u32 lq_get_be32(const lq_u8 *p)
{
	return ((lq_u32)p[0] << 24) | ((lq_u32)p[1] << 16) | ((lq_u32)p[2] << 8) | p[3];
}

/* Eight bytes from p, which may be unaligned. BPF: one load, which the
 * verifier allows on packet and map memory where the CPU handles unaligned
 * access (x86, arm64); clang would split a copy into eight byte loads. */
#ifdef __bpf__
#define lq_load64u(p) (*(const lq_u64 *)(const void *)(p))
#define lq_load32u(p) (*(const lq_u32 *)(const void *)(p))
#else
LQ_INLINE lq_u64 lq_load64u(const lq_u8 *p)
{
	lq_u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

LQ_INLINE lq_u32 lq_load32u(const lq_u8 *p)
{
	lq_u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}
#endif

/* Zero n bytes; n is a compile-time constant at every call site so clang
 * emits plain stores (BPF has no memset). */
#ifndef lq_zero
#define lq_zero(dst, n) __builtin_memset((dst), 0, (n))
#endif
#ifndef lq_copy
#define lq_copy(dst, src, n) __builtin_memcpy((dst), (src), (n))
#endif

/* 64-bit mixing (splitmix64 finaliser constants, public domain). Used for
 * connection labels, which must be computed identically everywhere. */
LQ_INLINE lq_u64 lq_mix64(lq_u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif /* LQ_BASE_H */
