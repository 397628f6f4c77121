// forward.cpp: the Kronos forward pass (model/module.py, model/kronos.py),
// one for inference and training.
//
// With gradients off (inference runs under c10::InferenceMode) the work
// goes through the SIMD row kernels and the KV cache:
//  - q/k/v and w1/w3 projections are fused into one GEMM each;
//  - RMSNorm, RoPE and single-query attention are explicit loops;
//  - while the window only grows, keys and values are cached.
// With gradients on and a parameter or input that requires them
// (training), each function takes plain differentiable libtorch ops for
// the same arithmetic: one flag test per call (grad_path).
#include "config.h"

#include "model.hpp"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace km {

bool grad_path(const at::Tensor &x, const at::Tensor &w)
{
    return at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad());
}

// x times an int8 matrix (precision int8): x, as rows of its last
// dimension, quantised per call with one scale from its range.
static at::Tensor int8_linear(const Packed &q, const at::Tensor &x)
{
    std::vector<int64_t> shape = x.sizes().vec();
    at::Tensor y = q->apply_dynamic(x.reshape({-1, shape.back()}).contiguous(), false);
    shape.back() = y.size(1);
    return y.view(shape);
}

// x times w (+ b): by w's int8 copy q when there is one and no gradient
// is wanted, else in fp32.
static at::Tensor product(const at::Tensor &x, const at::Tensor &w, const at::Tensor &b, const Packed &q)
{
    if (q && !grad_path(x, w))
        return int8_linear(q, x);
    return at::linear(x, w, b);
}

// Building blocks (model/module.py).
at::Tensor linear(const Linear &l, const at::Tensor &x) { return product(x, l.w, l.b, l.q); }

namespace {

// Eight floats for explicit SIMD (GCC/Clang vector extension). The row
// kernels are also compiled for AVX2 and picked at load time when the CPU
// has it. The clone is chosen by the feature, not by the CPU model: an
// "arch=haswell" clone is picked only on a Haswell (__builtin_cpu_is), so
// Zen and newer Xeons ran the SSE2 default. It is AVX2 without FMA on
// purpose: a multiply and an add each rounded, as the default does, so
// every CPU gives the same bits and the wider vectors change none. Not
// in sanitizer builds: their instrumented ifunc resolvers would run before
// the sanitizer's runtime is set up (under TSan the program crashed at load).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float f8 __attribute__((vector_size(32)));
__attribute__((always_inline)) inline f8 load8(const float *p)
{
    f8 v;
    memcpy(&v, p, sizeof v);
    return v;
}
__attribute__((always_inline)) inline void store8(float *p, const f8 &v) { memcpy(p, &v, sizeof v); }

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define KT_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KT_SIMD_CLONES
#endif

#pragma GCC diagnostic pop

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
// RMSNorm of n rows of d: x * rsqrt(mean(x^2) + 1e-5) * weight. One read
// for the sum of squares and one for the output (libtorch's expression
// makes five passes over the activations, each with a new tensor).
KT_SIMD_CLONES void rmsnorm_rows(const float *X, const float *W, float *O, int64_t n, int64_t d)
{
    for (int64_t r = 0; r < n; r++) {
        const float *x = X + r * d;
        float *o = O + r * d;
        f8 acc = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 8 <= d; j += 8)
            acc += load8(x + j) * load8(x + j);
        float ss = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; j < d; j++)
            ss += x[j] * x[j];
        const float inv = 1.0f / std::sqrt(ss / (float)d + 1e-5f);
        const f8 iv = {inv, inv, inv, inv, inv, inv, inv, inv};
        for (j = 0; j + 8 <= d; j += 8)
            store8(o + j, load8(x + j) * iv * load8(W + j));
        for (; j < d; j++)
            o[j] = x[j] * inv * W[j];
    }
}

// Rotary embedding of one head vector (x * cos + rotate_half(x) * sin,
// rotate_half = cat(-x2, x1)) written to dst.
KT_SIMD_CLONES void rope_row(const float *x, const float *c, const float *sn, float *dst, int64_t hd)
{
    const int64_t h = hd / 2;
    int64_t j = 0;
    for (; j + 8 <= h; j += 8) {
        store8(dst + j, load8(x + j) * load8(c + j) - load8(x + h + j) * load8(sn + j));
        store8(dst + h + j, load8(x + h + j) * load8(c + h + j) + load8(x + j) * load8(sn + h + j));
    }
    for (; j < h; j++) {
        dst[j] = x[j] * c[j] - x[h + j] * sn[j];
        dst[h + j] = x[h + j] * c[h + j] + x[j] * sn[h + j];
    }
}
#pragma GCC diagnostic pop


}  // namespace

at::Tensor rmsnorm(const at::Tensor &x_in, const at::Tensor &w)
{
    if (grad_path(x_in, w))
        return x_in * at::rsqrt(x_in.pow(2).mean({-1}, true) + 1e-5) * w;
    at::Tensor x = x_in.contiguous(), out = at::empty_like(x);
    const int64_t d = x.size(-1);
    rmsnorm_rows(x.data_ptr<float>(), w.data_ptr<float>(), out.data_ptr<float>(), x.numel() / d, d);
    return out;
}

namespace {

// FeedForward (SwiGLU): w2(silu(w1 x) * w3 x)
at::Tensor feed_forward(const Block &b, const at::Tensor &x)
{
    at::Tensor h = product(x, b.w13, at::Tensor(), b.q13);
    int64_t ff = b.w2.size(1);
    at::Tensor g = at::silu(h.narrow(-1, 0, ff)), u = h.narrow(-1, ff, ff);
    return product(grad_path(x, b.w13) ? g * u : g.mul_(u), b.w2, at::Tensor(), b.q2);
}

// Rotary tables for positions 0..len-1: angles t*inv_freq repeated twice.
Rope make_rope(const at::Tensor &inv_freq, int64_t len)
{
    at::Tensor t = at::arange(0, len, F32);
    at::Tensor freqs = at::outer(t, inv_freq);
    at::Tensor emb = at::cat({freqs, freqs}, -1);
    return {emb.cos(), emb.sin()};
}

// rope_row on tensors: x [B, H, L, hd] at positions 0..L-1.
at::Tensor rope_apply(const at::Tensor &x, const Rope &rope)
{
    const int64_t L = x.size(2), h = x.size(3) / 2;
    at::Tensor rot = at::cat({-x.narrow(-1, h, h), x.narrow(-1, 0, h)}, -1);
    return x * rope.cos.narrow(0, 0, L) + rot * rope.sin.narrow(0, 0, L);
}

// [B, L, H*hd] -> [B, H, L, hd]
at::Tensor split_heads(const at::Tensor &t, int64_t H)
{
    return t.view({t.size(0), t.size(1), H, t.size(2) / H}).transpose(1, 2);
}

}  // namespace

// softmax(q k^T / sqrt(hd) + causal mask) v for q [B,H,L,hd] at window
// positions pos0.., k/v [B,H,T,hd]. Batched matmuls on (possibly strided)
// views of the cache, so nothing is copied. pos0 < 0: no mask (cross-attn).
at::Tensor attend(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, int64_t pos0)
{
    const int64_t B = q.size(0), H = q.size(1), L = q.size(2), hd = q.size(3), T = k.size(2);
    at::Tensor q3 = q.reshape({B * H, L, hd}), k3 = k.reshape({B * H, T, hd}), v3 = v.reshape({B * H, T, hd});
    at::Tensor scores = at::bmm(q3, k3.transpose(1, 2)).mul_(1.0 / std::sqrt((double)hd));
    if (pos0 >= 0 && L > 1) {
        at::Tensor mask = at::ones({L, T}, at::TensorOptions().dtype(at::kBool)).triu(pos0 + 1);
        scores.masked_fill_(mask, -std::numeric_limits<float>::infinity());
    }
    return at::bmm(at::softmax(scores, -1), v3).view({B, H, L, hd});
}

namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
__attribute__((always_inline)) inline float hsum8(const f8 &a)
{
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// The score of one key: q . k over NC chunks of 8, in chunk order, then
// scaled. Every path below computes each score, each exp and each output
// element with these same operations in this same order, so they give
// the same bits; they differ only in how much runs side by side.
template <int NC>
__attribute__((always_inline)) inline void scores4(const float *qp, const float *kp, int64_t hd, float scale,
                                                   float *w)
{
    f8 a0 = {0, 0, 0, 0, 0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
#pragma GCC unroll 16
    for (int c = 0; c < NC; c++) {  // four keys at once: four independent chains
        const f8 q = load8(qp + 8 * c);
        a0 += q * load8(kp + 8 * c);
        a1 += q * load8(kp + hd + 8 * c);
        a2 += q * load8(kp + 2 * hd + 8 * c);
        a3 += q * load8(kp + 3 * hd + 8 * c);
    }
    w[0] = hsum8(a0) * scale;
    w[1] = hsum8(a1) * scale;
    w[2] = hsum8(a2) * scale;
    w[3] = hsum8(a3) * scale;
}

// attend_row for hd = 8 * NC: four keys per pass for the scores, and the
// output kept in registers while the values stream by (NC <= 8), instead
// of one dependent chain per key and a load and store of the output per
// value row. The loops over chunks are unrolled by pragma: left to itself
// GCC 12 kept o[] on the stack, and each value row then waited on the
// store of the one before (a store-to-load chain). Unrolled, one thread
// streams the cache at 8.3 instead of 6.8 GB/s (B = 50 rows, T = 300,
// hd = 64; AMD EPYC Zen 3), the same operations in the same order.
template <int NC>
__attribute__((always_inline)) inline void attend_row_fixed(const float *qp, const float *kp, const float *vp,
                                                            float *op, int64_t T, float scale, float *w)
{
    const int64_t hd = 8 * NC;
    int64_t t = 0;
    for (; t + 4 <= T; t += 4)
        scores4<NC>(qp, kp + t * hd, hd, scale, w + t);
    for (; t < T; t++) {
        f8 a = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int c = 0; c < NC; c++)
            a += load8(qp + 8 * c) * load8(kp + t * hd + 8 * c);
        w[t] = hsum8(a) * scale;
    }
    float mx = -std::numeric_limits<float>::infinity();
    for (t = 0; t < T; t++)
        mx = std::max(mx, w[t]);
    float sum = 0;
    for (t = 0; t < T; t++)
        sum += (w[t] = std::exp(w[t] - mx));
    if (NC <= 8) {
        f8 o[NC];
        for (int c = 0; c < NC; c++)
            o[c] = f8{0, 0, 0, 0, 0, 0, 0, 0};
        for (t = 0; t < T; t++) {
            const float p = w[t] / sum, *v = vp + t * hd;
            const f8 pv = {p, p, p, p, p, p, p, p};
#pragma GCC unroll 8
            for (int c = 0; c < NC; c++)
                o[c] = o[c] + pv * load8(v + 8 * c);
        }
        for (int c = 0; c < NC; c++)
            store8(op + 8 * c, o[c]);
    } else {
        for (int64_t j = 0; j < hd; j++)
            op[j] = 0;
        for (t = 0; t < T; t++) {
            const float p = w[t] / sum, *v = vp + t * hd;
            const f8 pv = {p, p, p, p, p, p, p, p};
            for (int c = 0; c < NC; c++)
                store8(op + 8 * c, load8(op + 8 * c) + pv * load8(v + 8 * c));
        }
    }
}

}  // namespace

// One (row, head): softmax(q . k_t * scale) over t < T, then sum_t p_t v_t;
// any head size, one key after another.
KT_SIMD_CLONES void attend_row_generic(const float *qp, const float *kp, const float *vp, float *op, int64_t T,
                                       int64_t hd, float scale, float *w)
{
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t t = 0; t < T; t++) {
        const float *k = kp + t * hd;
        f8 acc = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 8 <= hd; j += 8)
            acc += load8(qp + j) * load8(k + j);
        float sc = hsum8(acc);
        for (; j < hd; j++)
            sc += qp[j] * k[j];
        sc *= scale;
        w[t] = sc;
        mx = std::max(mx, sc);
    }
    float sum = 0;
    for (int64_t t = 0; t < T; t++)
        sum += (w[t] = std::exp(w[t] - mx));
    for (int64_t j = 0; j < hd; j++)
        op[j] = 0;
    for (int64_t t = 0; t < T; t++) {
        const float p = w[t] / sum, *v = vp + t * hd;
        const f8 pv = {p, p, p, p, p, p, p, p};
        int64_t j = 0;
        for (; j + 8 <= hd; j += 8)
            store8(op + j, load8(op + j) + pv * load8(v + j));
        for (; j < hd; j++)
            op[j] += p * v[j];
    }
}

// The same, with the fixed-size kernels for the usual head sizes
// (Kronos-mini/small/base and the dependency layer); the same bits.
KT_SIMD_CLONES void attend_row(const float *qp, const float *kp, const float *vp, float *op, int64_t T, int64_t hd,
                               float scale, float *w)
{
    switch (hd) {
    case 16: return attend_row_fixed<2>(qp, kp, vp, op, T, scale, w);
    case 32: return attend_row_fixed<4>(qp, kp, vp, op, T, scale, w);
    case 64: return attend_row_fixed<8>(qp, kp, vp, op, T, scale, w);
    case 128: return attend_row_fixed<16>(qp, kp, vp, op, T, scale, w);
    default: return attend_row_generic(qp, kp, vp, op, T, hd, scale, w);
    }
}
#pragma GCC diagnostic pop

// The same as attend() for one query per row against T cached keys (a
// generation step): a direct loop over the cache, since batched matmuls of
// one-row matrices cost a libtorch call per (row, head). q [B,H,hd]; kc/vc
// are the cache buffers [B,H,cap,hd] (rows contiguous); returns [B,H,1,hd].
at::Tensor attend_one(const at::Tensor &q_in, const at::Tensor &kc, const at::Tensor &vc, int64_t T)
{
    const int64_t B = kc.size(0), H = kc.size(1), cap = kc.size(2), hd = kc.size(3);
    TORCH_CHECK(kc.stride(3) == 1 && kc.stride(2) == hd && kc.stride(1) == cap * hd && kc.stride(0) == H * cap * hd &&
                    vc.strides() == kc.strides(),
                "attend_one: unexpected cache layout");
    at::Tensor q = q_in.reshape({B, H, hd}).contiguous(), out = at::empty({B, H, hd}, F32);
    const float *Q = q.data_ptr<float>(), *K = kc.data_ptr<float>(), *V = vc.data_ptr<float>();
    float *O = out.data_ptr<float>();
    const float scale = (float)(1.0 / std::sqrt((double)hd));
    at::parallel_for(0, B * H, 8, [&](int64_t b0, int64_t b1) {
        std::vector<float> w((size_t)T);
        for (int64_t bh = b0; bh < b1; bh++)
            attend_row(Q + bh * hd, K + bh * cap * hd, V + bh * cap * hd, O + bh * hd, T, hd, scale, w.data());
    });
    return out.view({B, H, 1, hd});
}


namespace {

// Causal multi-head self-attention with RoPE over new positions
// pos0..pos0+L-1 of the window; earlier positions come from kv.
at::Tensor self_attention(const Attention &a, const at::Tensor &x, int64_t pos0, const Rope &rope, KV &kv)
{
    const int64_t B = x.size(0), L = x.size(1), d = x.size(2), H = a.n_heads, hd = d / H;
    if (grad_path(x, a.qkv.w)) {  // the whole sequence, no cache
        TORCH_CHECK(pos0 == 0, "self_attention: the differentiable path has no cache");
        at::Tensor qkv = linear(a.qkv, x);
        at::Tensor q = split_heads(qkv.narrow(-1, 0, d), H), k = split_heads(qkv.narrow(-1, d, d), H);
        at::Tensor o = attend(rope_apply(q, rope), rope_apply(k, rope), split_heads(qkv.narrow(-1, 2 * d, d), H), 0);
        return linear(a.out, o.transpose(1, 2).reshape({B, L, d}));
    }
    at::Tensor qkv = linear(a.qkv, x).contiguous();  // [B, L, 3, H, hd]
    // q rotated into [B, H, L, hd]; k rotated and v copied straight into
    // the cache rows pos0.. (cache [B, H, cap, hd], rows contiguous).
    at::Tensor q = at::empty({B, H, L, hd}, F32);
    TORCH_CHECK(kv.k.stride(3) == 1 && kv.k.stride(2) == hd && kv.v.strides() == kv.k.strides(),
                "self_attention: unexpected cache layout");
    const float *QKV = qkv.data_ptr<float>(), *C = rope.cos.data_ptr<float>(), *S = rope.sin.data_ptr<float>();
    float *Q = q.data_ptr<float>(), *K = kv.k.data_ptr<float>(), *V = kv.v.data_ptr<float>();
    const int64_t kb = kv.k.stride(0), kh = kv.k.stride(1);
    for (int64_t bi = 0; bi < B; bi++)
        for (int64_t l = 0; l < L; l++) {
            const float *src = QKV + (bi * L + l) * 3 * d, *c = C + (pos0 + l) * hd, *sn = S + (pos0 + l) * hd;
            for (int64_t h = 0; h < H; h++) {
                const int64_t row = bi * kb + h * kh + (pos0 + l) * hd;
                rope_row(src + h * hd, c, sn, Q + ((bi * H + h) * L + l) * hd, hd);
                rope_row(src + d + h * hd, c, sn, K + row, hd);
                memcpy(V + row, src + 2 * d + h * hd, (size_t)hd * sizeof(float));
            }
        }
    at::Tensor out;
    if (pos0 == 0)  // the first chunk: keys and values are the cache's first L rows
        out = attend(q, kv.k.narrow(2, 0, L), kv.v.narrow(2, 0, L), 0);
    else if (L == 1)
        out = attend_one(q, kv.k, kv.v, pos0 + 1);
    else
        out = attend(q, kv.k.narrow(2, 0, pos0 + L), kv.v.narrow(2, 0, pos0 + L), pos0);
    return linear(a.out, out.transpose(1, 2).reshape({B, L, d}));
}

// TransformerBlock (pre-norm): x += attn(norm1 x); x += ffn(norm2 x)
at::Tensor block_forward(const Block &b, at::Tensor x, int64_t pos0, const Rope &rope, KV &kv)
{
    x = x + self_attention(b.attn, rmsnorm(x, b.norm1), pos0, rope, kv);
    return x + feed_forward(b, rmsnorm(x, b.norm2));
}

KV new_kv(int64_t B, const Attention &a, int64_t d, int64_t cap)
{
    return {at::empty({B, a.n_heads, cap, d / a.n_heads}, F32), at::empty({B, a.n_heads, cap, d / a.n_heads}, F32)};
}

}  // namespace

// A stack of blocks over a whole sequence (no cache kept).
at::Tensor blocks_full(const std::vector<Block> &blocks, at::Tensor x)
{
    const int64_t B = x.size(0), L = x.size(1), d = x.size(2);
    if (blocks.empty())
        return x;
    Rope rope = make_rope(blocks[0].attn.inv_freq, L);
    const bool grad = grad_path(x, blocks[0].norm1);
    for (const Block &b : blocks) {
        KV kv = grad ? KV{} : new_kv(B, b.attn, d, L);
        x = block_forward(b, x, 0, rope, kv);
    }
    return x;
}

// ---------------------------------------------------------------------------
// Tokenizer (model/kronos.py KronosTokenizer.encode / decode, half=True).
at::Tensor tokenizer_code(const Tokenizer &t, const at::Tensor &x)
{
    at::Tensor z = linear(t.embed, x);
    z = blocks_full(t.encoder, z);
    return linear(t.quant_embed, z);  // [B, L, s1+s2]
}

// BSQ: L2-normalise, sign (> 0 -> +1), bits_to_indices (bit i weighs 2^i).
// Normalising never changes a sign, so the bits are z > 0.
void code_to_ids(const kronos_tokenizer_config &c, const at::Tensor &z, at::Tensor &s1, at::Tensor &s2)
{
    at::Tensor bits = (z > 0).to(at::kLong);
    at::Tensor w1 = at::pow(2, at::arange(0, c.s1_bits, I64)), w2 = at::pow(2, at::arange(0, c.s2_bits, I64));
    s1 = (bits.narrow(-1, 0, c.s1_bits) * w1).sum(-1);
    s2 = (bits.narrow(-1, c.s1_bits, c.s2_bits) * w2).sum(-1);
}

void tokenizer_encode(const Tokenizer &t, const kronos_tokenizer_config &c, const at::Tensor &x, at::Tensor &s1,
                      at::Tensor &s2)
{
    code_to_ids(c, tokenizer_code(t, x), s1, s2);
}

at::Tensor tokenizer_decode_code(const Tokenizer &t, const at::Tensor &q, bool pre)
{
    at::Tensor z = linear(pre ? t.post_quant_embed_pre : t.post_quant_embed, q);
    z = blocks_full(t.decoder, z);
    return linear(t.head, z);
}

at::Tensor tokenizer_decode(const Tokenizer &t, const kronos_tokenizer_config &c, const at::Tensor &s1,
                            const at::Tensor &s2)
{
    // indices_to_bits(half): (codebook_dim/2) bits per half, +-1, / sqrt(codebook_dim)
    const int64_t half = (c.s1_bits + c.s2_bits) / 2;
    at::Tensor mask = at::pow(2, at::arange(0, half, I64));
    at::Tensor b1 = (s1.unsqueeze(-1).bitwise_and(mask)) != 0, b2 = (s2.unsqueeze(-1).bitwise_and(mask)) != 0;
    at::Tensor q = at::cat({b1, b2}, -1).to(at::kFloat) * 2 - 1;
    q = q * (1.0 / std::sqrt((double)(c.s1_bits + c.s2_bits)));
    return tokenizer_decode_code(t, q, false);
}

// ---------------------------------------------------------------------------
// Predictor (model/kronos.py Kronos.decode_s1 / decode_s2).
PredCache PredCache::rows(int64_t r0, int64_t n) const
{
    PredCache c;
    for (const KV &kv : layers)
        c.layers.push_back({kv.k.narrow(0, r0, n), kv.v.narrow(0, r0, n)});
    c.dep_k = dep_k.narrow(0, r0, n);
    c.dep_v = dep_v.narrow(0, r0, n);
    c.len = len;
    c.rope = rope;
    return c;
}

int64_t chunk_rows(int64_t L) { return std::max<int64_t>(1, 2048 / std::max<int64_t>(1, L)); }

PredCache new_pred_cache(const Predictor &p, int64_t B, int64_t d, int64_t cap)
{
    PredCache c;
    for (const Block &b : p.layers)
        c.layers.push_back(new_kv(B, b.attn, d, cap));
    c.dep_k = at::empty({B, 4, cap, d / 4}, F32);
    c.dep_v = at::empty({B, 4, cap, d / 4}, F32);
    c.rope = make_rope(p.layers[0].attn.inv_freq, cap);
    return c;
}

PredCache reuse_pred_cache(PredCache &kept, const Predictor &p, int64_t B, int64_t d, int64_t cap)
{
    if (kept.layers.empty() || kept.dep_k.size(0) < B || kept.dep_k.size(2) != cap) {
        kept = PredCache{};  // the old buffers go first
        kept = new_pred_cache(p, B, d, cap);
    }
    PredCache c = kept.rows(0, B);
    c.len = 0;
    return c;
}

namespace {

at::Tensor lookup(const at::Tensor &table, const at::Tensor &ids)
{
    std::vector<int64_t> shape(ids.sizes().begin(), ids.sizes().end());
    shape.push_back(table.size(1));
    return table.index_select(0, ids.reshape({-1})).view(shape);
}

// HierarchicalEmbedding + TemporalEmbedding for tokens [B, L], stamps [B, L, 5].
at::Tensor embed(const Predictor &p, int64_t d, const at::Tensor &s1, const at::Tensor &s2, const at::Tensor &stamp)
{
    const double scale = std::sqrt((double)d);
    at::Tensor x = linear(p.fusion, at::cat({lookup(p.emb_s1, s1) * scale, lookup(p.emb_s2, s2) * scale}, -1));
    at::Tensor te = lookup(p.hour, stamp.select(2, 1)) + lookup(p.weekday, stamp.select(2, 2)) +
                    lookup(p.day, stamp.select(2, 3)) + lookup(p.month, stamp.select(2, 4)) +
                    lookup(p.minute, stamp.select(2, 0));
    return x + te;
}

// The dependency layer's query from s1 ids (any shape) and its output:
// proj_s2(norm(h + out_proj(ctx))).
at::Tensor dep_query(const Predictor &p, const at::Tensor &s1_ids) { return linear(p.dep_q, lookup(p.emb_s1, s1_ids)); }
at::Tensor s2_head(const Predictor &p, const at::Tensor &h, const at::Tensor &ctx)
{
    return linear(p.proj_s2, rmsnorm(h + linear(p.dep_o, ctx), p.dep_norm));
}

}  // namespace

// decode_s1 over new window positions pos0..pos0+L-1 (earlier ones cached):
// returns the normed hidden states [B, L, d] and fills the dep_layer cache.
at::Tensor predictor_hidden(const Predictor &p, int64_t d, const at::Tensor &s1, const at::Tensor &s2,
                            const at::Tensor &stamp, PredCache &c, const LayerHook &after_layer)
{
    const int64_t pos0 = c.len, L = s1.size(1), n = (int64_t)p.layers.size();
    at::Tensor x = embed(p, d, s1, s2, stamp);
    for (int64_t i = 0; i < n; i++) {
        x = block_forward(p.layers[(size_t)i], x, pos0, c.rope, c.layers[(size_t)i]);
        if (after_layer)
            after_layer(i + 1, n);
    }
    x = rmsnorm(x, p.norm);
    // dep_layer keys/values: RoPE positions come from the single query, so
    // both get position 0 (cos 1, sin 0): no rotation.
    c.dep_k.narrow(2, pos0, L).copy_(split_heads(linear(p.dep_k, x), 4));
    c.dep_v.narrow(2, pos0, L).copy_(split_heads(linear(p.dep_v, x), 4));
    c.len = pos0 + L;
    return x;
}

// decode_s2 at the last position: norm(h_last + cross_attn(emb_s1(s1), h, h)), proj_s2.
at::Tensor predictor_s2_logits(const Predictor &p, int64_t d, const at::Tensor &h_last, const at::Tensor &s1_ids,
                               const PredCache &c)
{
    const int64_t B = h_last.size(0), hd = d / 4;
    at::Tensor q = dep_query(p, s1_ids).view({B, 4, 1, hd});
    at::Tensor a = attend_one(q, c.dep_k, c.dep_v, c.len);  // one query, not causal
    return s2_head(p, h_last, a.reshape({B, d}));
}

at::Tensor predictor_hidden_full(const Predictor &p, int64_t d, const at::Tensor &s1, const at::Tensor &s2,
                                 const at::Tensor &stamp)
{
    return rmsnorm(blocks_full(p.layers, embed(p, d, s1, s2, stamp)), p.norm);
}

// Teacher forced: the query of position t is the s1 id of t, against the
// keys of positions <= t; all at RoPE position 0, as predictor_s2_logits.
at::Tensor predictor_s2_logits_full(const Predictor &p, int64_t d, const at::Tensor &h, const at::Tensor &s1q)
{
    const int64_t B = h.size(0), L = h.size(1);
    at::Tensor a = attend(split_heads(dep_query(p, s1q), 4), split_heads(linear(p.dep_k, h), 4),
                          split_heads(linear(p.dep_v, h), 4), 0);
    return s2_head(p, h, a.transpose(1, 2).reshape({B, L, d}));
}

}  // namespace km
