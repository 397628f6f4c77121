// kronos.cpp: the Kronos tokenizer + predictor on libtorch, behind kronos.h.
//
// Read it like llama2.c's run.c: the config structs come from kronos.h, the
// weights are plain structs (Tokenizer, Predictor), and each forward
// function below mirrors one module of the reference (model/module.py,
// model/kronos.py) line by line. Everything lives on the CPU, runs under
// c10::InferenceMode, and no exception leaves this file.
//
// Speed without changing outputs:
//  - q/k/v and w1/w3 projections are fused into one GEMM each;
//  - while the window only grows, a KV cache (self-attention of every
//    layer, and the key/value projections of the dependency-aware layer);
//    once the window slides (positions restart), a full recompute;
//  - all series x samples of a call go through micro-batches sized from
//    the memory budget; sampling uses one RNG stream per row so the
//    batching never changes a result.
#include "config.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "blas.h"
#include "i18n.h"
#include "kronos.h"
#include "kronos_internal.h"
#include "modelcfg.h"
#include "safetensors.h"

namespace {

// ---------------------------------------------------------------------------
// Errors: thrown inside, turned into kronos_error at the C boundary.
struct KError {
    int code;
    std::string msg;
};

[[noreturn]] void fail(int code, const std::string &msg) { throw KError{code, msg}; }

// printf into a std::string: whole translatable sentences, never fragments.
__attribute__((format(printf, 1, 2))) std::string strf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

std::string shape_str(at::IntArrayRef s)
{
    std::string r = "[";
    for (size_t i = 0; i < s.size(); i++)
        r += (i ? "," : "") + std::to_string(s[i]);
    return r + "]";
}

const at::TensorOptions F32 = at::TensorOptions().dtype(at::kFloat).device(at::kCPU);
const at::TensorOptions I64 = at::TensorOptions().dtype(at::kLong).device(at::kCPU);

// ---------------------------------------------------------------------------
// Weights.
struct Linear {
    at::Tensor w, b;  // b undefined when the layer has no bias
};

struct Attention {
    int n_heads = 0;
    Linear qkv;  // q_proj, k_proj, v_proj stacked along the output dim
    Linear out;
    at::Tensor inv_freq;  // rotary buffer, recomputed
};

struct Block {
    at::Tensor norm1, norm2;
    Attention attn;
    at::Tensor w13;  // ffn.w1 and ffn.w3 stacked: [2*ff, d]
    at::Tensor w2;
};

struct Tokenizer {
    Linear embed, head, quant_embed, post_quant_embed, post_quant_embed_pre;
    std::vector<Block> encoder, decoder;
};

struct Predictor {
    at::Tensor emb_s1, emb_s2;
    Linear fusion;
    at::Tensor minute, hour, weekday, day, month;  // temporal tables
    std::vector<Block> layers;
    at::Tensor norm;
    Linear dep_q, dep_k, dep_v, dep_o;  // dep_layer.cross_attn, 4 heads
    at::Tensor dep_norm;
    Linear proj_s1, proj_s2;
};

// ---------------------------------------------------------------------------
// Where weights come from: a safetensors file (strictly checked) or random.
struct Source {
    virtual ~Source() = default;
    virtual at::Tensor get(const std::string &name, std::vector<int64_t> shape, bool is_norm) = 0;
    virtual void allow_buffer(const std::string &name) = 0;
    int64_t params = 0;
};

struct FileSource : Source {
    std::string path;
    kt_safetensors st{};
    std::set<std::string> used, buffers;

    explicit FileSource(const std::string &p) : path(p)
    {
        char err[512];
        int io = 0;
        if (kt_st_load(path.c_str(), &st, &io, err, sizeof err) != 0)
            fail(io ? KRONOS_EIO : KRONOS_EFORMAT, path + ": " + err);
    }
    ~FileSource() override { kt_st_free(&st); }

    at::Tensor get(const std::string &name, std::vector<int64_t> shape, bool) override
    {
        const kt_st_tensor *t = kt_st_find(&st, name.c_str());
        if (!t)
            fail(KRONOS_ESHAPE, strf(_("%s: tensor %s is missing"), path.c_str(), name.c_str()));
        std::vector<int64_t> have(t->shape, t->shape + t->ndim);
        if (have != shape)
            fail(KRONOS_ESHAPE, strf(_("%s: tensor %s has shape %s, config expects %s"), path.c_str(), name.c_str(),
                                     shape_str(have).c_str(), shape_str(shape).c_str()));
        if (t->dtype != KT_ST_F32 && t->dtype != KT_ST_F16 && t->dtype != KT_ST_BF16)
            fail(KRONOS_EFORMAT, strf(_("%s: tensor %s has dtype %s, expected F32, F16 or BF16"), path.c_str(),
                                      name.c_str(), kt_st_dtype_name(t->dtype)));
        at::Tensor x = at::empty(shape, F32);
        if (kt_st_to_f32(&st, t, x.data_ptr<float>()) != 0)
            fail(KRONOS_EFORMAT, strf(_("%s: tensor %s could not be converted"), path.c_str(), name.c_str()));
        used.insert(name);
        params += x.numel();
        return x;
    }
    void allow_buffer(const std::string &name) override { buffers.insert(name); }

    // Nothing unexpected may be left over, except the non-learned buffers.
    void check_all_used()
    {
        for (size_t i = 0; i < st.n; i++) {
            std::string n = st.t[i].name;
            if (!used.count(n) && !buffers.count(n))
                fail(KRONOS_ESHAPE,
                     strf(_("%s: unexpected tensor %s (not in the configured model)"), path.c_str(), n.c_str()));
        }
    }
};

struct RandomSource : Source {
    at::Generator gen;
    explicit RandomSource(uint64_t seed) : gen(at::detail::createCPUGenerator(seed)) {}
    at::Tensor get(const std::string &, std::vector<int64_t> shape, bool is_norm) override
    {
        at::Tensor x;
        if (is_norm)
            x = at::ones(shape, F32);
        else if (shape.size() == 1)
            x = at::zeros(shape, F32);  // biases
        else {
            double fan_in = shape.size() == 2 ? (double)shape[1] : 1.0;
            x = at::normal(0.0, shape.size() == 2 ? 1.0 / std::sqrt(fan_in) : 0.02, shape, gen, F32);
        }
        params += x.numel();
        return x;
    }
    void allow_buffer(const std::string &) override {}
};

Linear get_linear(Source &s, const std::string &p, int64_t out, int64_t in, bool bias = true)
{
    Linear l;
    l.w = s.get(p + ".weight", {out, in}, false);
    if (bias)
        l.b = s.get(p + ".bias", {out}, false);
    return l;
}

// RotaryPositionalEmbedding.inv_freq = 1 / 10000^(arange(0, dim, 2) / dim)
at::Tensor rotary_inv_freq(int64_t dim)
{
    at::Tensor e = at::arange(0, dim, 2, F32) / (double)dim;
    return 1.0 / at::pow(10000.0, e);
}

Attention get_attention(Source &s, const std::string &p, int64_t d, int n_heads)
{
    Attention a;
    a.n_heads = n_heads;
    Linear q = get_linear(s, p + ".q_proj", d, d), k = get_linear(s, p + ".k_proj", d, d),
           v = get_linear(s, p + ".v_proj", d, d);
    a.qkv.w = at::cat({q.w, k.w, v.w}, 0);
    a.qkv.b = at::cat({q.b, k.b, v.b}, 0);
    a.out = get_linear(s, p + ".out_proj", d, d);
    a.inv_freq = rotary_inv_freq(d / n_heads);
    s.allow_buffer(p + ".rotary.inv_freq");
    return a;
}

Block get_block(Source &s, const std::string &p, int64_t d, int n_heads, int64_t ff)
{
    Block b;
    b.norm1 = s.get(p + ".norm1.weight", {d}, true);
    b.attn = get_attention(s, p + ".self_attn", d, n_heads);
    b.norm2 = s.get(p + ".norm2.weight", {d}, true);
    at::Tensor w1 = s.get(p + ".ffn.w1.weight", {ff, d}, false);
    b.w2 = s.get(p + ".ffn.w2.weight", {d, ff}, false);
    at::Tensor w3 = s.get(p + ".ffn.w3.weight", {ff, d}, false);
    b.w13 = at::cat({w1, w3}, 0);
    return b;
}

Tokenizer build_tokenizer(Source &s, const kronos_tokenizer_config &c)
{
    Tokenizer t;
    const int64_t d = c.d_model, cb = c.s1_bits + c.s2_bits;
    t.embed = get_linear(s, "embed", d, c.d_in);
    for (int i = 0; i < c.n_enc_layers - 1; i++)
        t.encoder.push_back(get_block(s, "encoder." + std::to_string(i), d, c.n_heads, c.ff_dim));
    for (int i = 0; i < c.n_dec_layers - 1; i++)
        t.decoder.push_back(get_block(s, "decoder." + std::to_string(i), d, c.n_heads, c.ff_dim));
    t.quant_embed = get_linear(s, "quant_embed", cb, d);
    t.post_quant_embed_pre = get_linear(s, "post_quant_embed_pre", d, c.s1_bits);
    t.post_quant_embed = get_linear(s, "post_quant_embed", d, cb);
    t.head = get_linear(s, "head", c.d_in, d);
    s.allow_buffer("tokenizer.bsq.basis");
    s.allow_buffer("tokenizer.bsq.group_basis");
    return t;
}

// FixedEmbedding: w[:, 0::2] = sin(pos * div), w[:, 1::2] = cos(pos * div)
at::Tensor fixed_table(int64_t rows, int64_t d)
{
    at::Tensor w = at::zeros({rows, d}, F32);
    at::Tensor pos = at::arange(0, rows, F32).unsqueeze(1);
    at::Tensor div = (at::arange(0, d, 2, F32) * -(std::log(10000.0) / (double)d)).exp();
    w.slice(1, 0, d, 2).copy_(at::sin(pos * div));
    w.slice(1, 1, d, 2).copy_(at::cos(pos * div));
    return w;
}

Predictor build_predictor(Source &s, const kronos_predictor_config &c, int64_t *learned)
{
    Predictor p;
    const int64_t d = c.d_model, v1 = int64_t(1) << c.s1_bits, v2 = int64_t(1) << c.s2_bits;
    p.emb_s1 = s.get("embedding.emb_s1.weight", {v1, d}, false);
    p.emb_s2 = s.get("embedding.emb_s2.weight", {v2, d}, false);
    p.fusion = get_linear(s, "embedding.fusion_proj", d, 2 * d);
    int64_t before_te = s.params;
    // learn_te: nn.Embedding tables; else FixedEmbedding (saved as .emb.weight).
    const char *suffix = c.learn_te ? ".weight" : ".emb.weight";
    auto te = [&](const char *n, int64_t rows) {
        at::Tensor w = s.get(std::string("time_emb.") + n + suffix, {rows, d}, false);
        if (!c.learn_te && dynamic_cast<RandomSource *>(&s))
            w = fixed_table(rows, d);
        return w;
    };
    p.minute = te("minute_embed", 60);
    p.hour = te("hour_embed", 24);
    p.weekday = te("weekday_embed", 7);
    p.day = te("day_embed", 32);
    p.month = te("month_embed", 13);
    int64_t te_params = s.params - before_te;
    for (int i = 0; i < c.n_layers; i++)
        p.layers.push_back(get_block(s, "transformer." + std::to_string(i), d, c.n_heads, c.ff_dim));
    p.norm = s.get("norm.weight", {d}, true);
    p.dep_q = get_linear(s, "dep_layer.cross_attn.q_proj", d, d);
    p.dep_k = get_linear(s, "dep_layer.cross_attn.k_proj", d, d);
    p.dep_v = get_linear(s, "dep_layer.cross_attn.v_proj", d, d);
    p.dep_o = get_linear(s, "dep_layer.cross_attn.out_proj", d, d);
    s.allow_buffer("dep_layer.cross_attn.rotary.inv_freq");
    p.dep_norm = s.get("dep_layer.norm.weight", {d}, true);
    p.proj_s1 = get_linear(s, "head.proj_s1", v1, d);
    p.proj_s2 = get_linear(s, "head.proj_s2", v2, d);
    *learned = s.params - (c.learn_te ? 0 : te_params);
    return p;
}

// ---------------------------------------------------------------------------
// Building blocks (model/module.py).
at::Tensor linear(const Linear &l, const at::Tensor &x) { return at::linear(x, l.w, l.b); }

// Eight floats for explicit SIMD (GCC/Clang vector extension); the row
// kernel is also compiled for AVX2+FMA and picked at load time.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float f8 __attribute__((vector_size(32)));
__attribute__((always_inline)) inline f8 load8(const float *p)
{
    f8 v;
    memcpy(&v, p, sizeof v);
    return v;
}
__attribute__((always_inline)) inline void store8(float *p, f8 v) { memcpy(p, &v, sizeof v); }

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define KT_SIMD_CLONES __attribute__((target_clones("arch=haswell", "default")))
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

at::Tensor rmsnorm(const at::Tensor &x_in, const at::Tensor &w)
{
    at::Tensor x = x_in.contiguous(), out = at::empty_like(x);
    const int64_t d = x.size(-1);
    rmsnorm_rows(x.data_ptr<float>(), w.data_ptr<float>(), out.data_ptr<float>(), x.numel() / d, d);
    return out;
}

// FeedForward (SwiGLU): w2(silu(w1 x) * w3 x)
at::Tensor feed_forward(const Block &b, const at::Tensor &x)
{
    at::Tensor h = at::linear(x, b.w13);
    int64_t ff = b.w2.size(1);
    at::Tensor g = at::silu(h.narrow(-1, 0, ff));
    return at::linear(g.mul_(h.narrow(-1, ff, ff)), b.w2);
}

// Rotary tables for positions 0..len-1: angles t*inv_freq repeated twice.
struct Rope {
    at::Tensor cos, sin;  // [len, head_dim]
};
Rope make_rope(const at::Tensor &inv_freq, int64_t len)
{
    at::Tensor t = at::arange(0, len, F32);
    at::Tensor freqs = at::outer(t, inv_freq);
    at::Tensor emb = at::cat({freqs, freqs}, -1);
    return {emb.cos(), emb.sin()};
}


// Key/value cache of one attention layer: [B, heads, capacity, head_dim].
struct KV {
    at::Tensor k, v;
};

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


#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
// One (row, head): softmax(q . k_t * scale) over t < T, then sum_t p_t v_t.
KT_SIMD_CLONES void attend_row(const float *qp, const float *kp, const float *vp, float *op, int64_t T, int64_t hd,
                               float scale, float *w)
{
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t t = 0; t < T; t++) {
        const float *k = kp + t * hd;
        f8 acc = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 8 <= hd; j += 8)
            acc += load8(qp + j) * load8(k + j);
        float sc = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
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

// Causal multi-head self-attention with RoPE over new positions
// pos0..pos0+L-1 of the window; earlier positions come from kv.
at::Tensor self_attention(const Attention &a, const at::Tensor &x, int64_t pos0, const Rope &rope, KV &kv)
{
    const int64_t B = x.size(0), L = x.size(1), d = x.size(2), H = a.n_heads, hd = d / H;
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

// A stack of blocks over a whole sequence (no cache kept).
at::Tensor blocks_full(const std::vector<Block> &blocks, at::Tensor x)
{
    const int64_t B = x.size(0), L = x.size(1), d = x.size(2);
    if (blocks.empty())
        return x;
    Rope rope = make_rope(blocks[0].attn.inv_freq, L);
    for (const Block &b : blocks) {
        KV kv = new_kv(B, b.attn, d, L);
        x = block_forward(b, x, 0, rope, kv);
    }
    return x;
}

// ---------------------------------------------------------------------------
// Tokenizer (model/kronos.py KronosTokenizer.encode / decode, half=True).
void tokenizer_encode(const Tokenizer &t, const kronos_tokenizer_config &c, const at::Tensor &x, at::Tensor &s1,
                      at::Tensor &s2)
{
    at::Tensor z = linear(t.embed, x);
    z = blocks_full(t.encoder, z);
    z = linear(t.quant_embed, z);  // [B, L, s1+s2]
    // BSQ: L2-normalise, sign (> 0 -> +1), bits_to_indices (bit i weighs 2^i).
    // Normalising never changes a sign, so the bits are z > 0.
    at::Tensor bits = (z > 0).to(at::kLong);
    at::Tensor w1 = at::pow(2, at::arange(0, c.s1_bits, I64)), w2 = at::pow(2, at::arange(0, c.s2_bits, I64));
    s1 = (bits.narrow(-1, 0, c.s1_bits) * w1).sum(-1);
    s2 = (bits.narrow(-1, c.s1_bits, c.s2_bits) * w2).sum(-1);
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
    at::Tensor z = linear(t.post_quant_embed, q);
    z = blocks_full(t.decoder, z);
    return linear(t.head, z);
}

// ---------------------------------------------------------------------------
// Predictor (model/kronos.py Kronos.decode_s1 / decode_s2).
struct PredCache {
    std::vector<KV> layers;
    at::Tensor dep_k, dep_v;  // dep_layer key/value projections [B, 4, cap, d/4]
    int64_t len = 0;          // window positions held
    Rope rope;

    // The same cache restricted to rows r0..r0+n-1 (views: writes go through).
    PredCache rows(int64_t r0, int64_t n) const
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
};

// Rows per chunk so that a chunk holds about 2048 tokens.
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

// HierarchicalEmbedding + TemporalEmbedding for tokens [B, L], stamps [B, L, 5].
at::Tensor embed(const Predictor &p, int64_t d, const at::Tensor &s1, const at::Tensor &s2, const at::Tensor &stamp)
{
    const double scale = std::sqrt((double)d);
    auto lookup = [](const at::Tensor &table, const at::Tensor &ids) {
        std::vector<int64_t> shape(ids.sizes().begin(), ids.sizes().end());
        shape.push_back(table.size(1));
        return table.index_select(0, ids.reshape({-1})).view(shape);
    };
    at::Tensor x = linear(p.fusion, at::cat({lookup(p.emb_s1, s1) * scale, lookup(p.emb_s2, s2) * scale}, -1));
    at::Tensor te = lookup(p.hour, stamp.select(2, 1)) + lookup(p.weekday, stamp.select(2, 2)) +
                    lookup(p.day, stamp.select(2, 3)) + lookup(p.month, stamp.select(2, 4)) +
                    lookup(p.minute, stamp.select(2, 0));
    return x + te;
}

// decode_s1 over new window positions pos0..pos0+L-1 (earlier ones cached):
// returns the normed hidden states [B, L, d] and fills the dep_layer cache.
at::Tensor predictor_hidden(const Predictor &p, int64_t d, const at::Tensor &s1, const at::Tensor &s2,
                            const at::Tensor &stamp, PredCache &c)
{
    const int64_t pos0 = c.len, B = s1.size(0), L = s1.size(1);
    at::Tensor x = embed(p, d, s1, s2, stamp);
    for (size_t i = 0; i < p.layers.size(); i++)
        x = block_forward(p.layers[i], x, pos0, c.rope, c.layers[i]);
    x = rmsnorm(x, p.norm);
    // dep_layer keys/values: RoPE positions come from the single query, so
    // both get position 0 (cos 1, sin 0): no rotation.
    c.dep_k.narrow(2, pos0, L).copy_(linear(p.dep_k, x).view({B, L, 4, d / 4}).transpose(1, 2));
    c.dep_v.narrow(2, pos0, L).copy_(linear(p.dep_v, x).view({B, L, 4, d / 4}).transpose(1, 2));
    c.len = pos0 + L;
    return x;
}

// decode_s2 at the last position: norm(h_last + cross_attn(emb_s1(s1), h, h)), proj_s2.
at::Tensor predictor_s2_logits(const Predictor &p, int64_t d, const at::Tensor &h_last, const at::Tensor &s1_ids,
                               const PredCache &c)
{
    const int64_t B = h_last.size(0), hd = d / 4;
    at::Tensor q = linear(p.dep_q, p.emb_s1.index_select(0, s1_ids)).view({B, 4, 1, hd});
    at::Tensor a = attend_one(q, c.dep_k, c.dep_v, c.len);  // one query, not causal
    at::Tensor o = linear(p.dep_o, a.reshape({B, d}));
    return linear(p.proj_s2, rmsnorm(h_last + o, p.dep_norm));
}

// ---------------------------------------------------------------------------
// Sampling: one xoshiro256** stream per row (series x sample).
struct Rng {
    uint64_t s[4];
    static uint64_t splitmix(uint64_t &x)
    {
        uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    Rng(uint64_t seed, uint64_t stream)
    {
        uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL + 0x8bb84b93962eacc9ULL);
        for (uint64_t &v : s)
            v = splitmix(x);
    }
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t next()
    {
        uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return r;
    }
    double uniform() { return (double)(next() >> 11) * (1.0 / 9007199254740992.0); }
};

// sample_from_logits: logits / T; top_k > 0 keeps the top k (top_p then not
// applied); else top_p < 1 keeps the nucleus (always the first token);
// softmax; multinomial. T == 0: argmax.
int64_t sample_row(const float *logits, int64_t n, const kronos_sampling &s, Rng &rng, std::vector<double> &buf,
                   std::vector<int64_t> &idx)
{
    if (s.temperature <= 0.0)
        return std::max_element(logits, logits + n) - logits;
    buf.resize(n);
    const float T = (float)s.temperature;
    for (int64_t j = 0; j < n; j++)
        buf[j] = (double)(logits[j] / T);
    const double NEG = -std::numeric_limits<double>::infinity();
    if (s.top_k > 0) {
        int64_t k = std::min<int64_t>(s.top_k, n);
        std::vector<double> sorted(buf);
        std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<double>());
        double thr = sorted[k - 1];
        for (int64_t j = 0; j < n; j++)
            if (buf[j] < thr)
                buf[j] = NEG;
    } else if (s.top_p < 1.0) {
        idx.resize(n);
        std::iota(idx.begin(), idx.end(), 0);
        std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return buf[a] > buf[b]; });
        double mx = buf[idx[0]], tot = 0;
        for (int64_t j = 0; j < n; j++)
            tot += std::exp(buf[j] - mx);
        double cum = 0;
        bool remove_next = false;
        for (int64_t r = 0; r < n; r++) {
            int64_t j = idx[r];
            double pj = std::exp(buf[j] - mx) / tot;
            if (remove_next)
                buf[j] = NEG;
            cum += pj;
            if (cum > s.top_p)
                remove_next = true;  // shifted right: this token stays
        }
    }
    double mx = *std::max_element(buf.begin(), buf.end()), tot = 0;
    for (int64_t j = 0; j < n; j++)
        tot += (buf[j] = std::exp(buf[j] - mx));
    double u = rng.uniform() * tot, acc = 0;
    int64_t last = 0;
    for (int64_t j = 0; j < n; j++) {
        if (buf[j] <= 0)
            continue;
        acc += buf[j];
        last = j;
        if (u < acc)
            return j;
    }
    return last;
}

double now_s()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

// ---------------------------------------------------------------------------
// The model handle.
struct kronos_model {
    kronos_tokenizer_config tc{};
    kronos_predictor_config pc{};
    Tokenizer tok;
    Predictor pred;
    kronos_options opt{};
    bool kv_cache = true;
    int64_t tok_params = 0, pred_params = 0, bytes = 0;
    std::string tok_dir, pred_dir;
    at::Tensor last_out;
    kronos_timing timing{};
    int lanes = 1;  // compute threads (generate_lanes)
};

namespace {

void set_err(kronos_error *err, int code, const std::string &msg)
{
    if (!err)
        return;
    err->code = (kronos_status)code;
    snprintf(err->msg, sizeof err->msg, "%s", msg.c_str());
}

// Run f, turning every exception into a status + message.
template <class F> int guarded(kronos_error *err, F f)
{
    if (err) {
        err->code = KRONOS_OK;
        err->msg[0] = '\0';
    }
    try {
        c10::InferenceMode guard;
        f();
        return KRONOS_OK;
    } catch (const KError &e) {
        set_err(err, e.code, e.msg);
        return e.code;
    } catch (const std::bad_alloc &) {
        set_err(err, KRONOS_ENOMEM, _("out of memory"));
        return KRONOS_ENOMEM;
    } catch (const c10::Error &e) {
        set_err(err, KRONOS_EINTERNAL, std::string(_("libtorch error: ")) + e.what_without_backtrace());
        return KRONOS_EINTERNAL;
    } catch (const std::exception &e) {
        set_err(err, KRONOS_EINTERNAL, std::string(_("internal error: ")) + e.what());
        return KRONOS_EINTERNAL;
    } catch (...) {
        set_err(err, KRONOS_EINTERNAL, _("internal error"));
        return KRONOS_EINTERNAL;
    }
}

// Every parameter and buffer of the model, with the name it has in its
// checkpoint ("tokenizer embed.weight", "predictor norm.weight"); the fused
// q/k/v and w1/w3 matrices are named after their parts, the recomputed
// rotary tables after the buffer they replace.
struct NamedTensor {
    std::string name;
    const at::Tensor *t;
};

std::vector<NamedTensor> all_tensors(const kronos_model *m)
{
    std::vector<NamedTensor> v;
    std::string part;
    auto add = [&](const std::string &n, const at::Tensor &t) { v.push_back({part + n, &t}); };
    auto lin = [&](const std::string &p, const Linear &l) {
        add(p + ".weight", l.w);
        if (l.b.defined())
            add(p + ".bias", l.b);
    };
    auto blk = [&](const std::string &p, const Block &b) {
        add(p + ".norm1.weight", b.norm1);
        add(p + ".norm2.weight", b.norm2);
        lin(p + ".self_attn.{q,k,v}_proj", b.attn.qkv);
        lin(p + ".self_attn.out_proj", b.attn.out);
        add(p + ".self_attn.rotary.inv_freq", b.attn.inv_freq);
        add(p + ".ffn.{w1,w3}.weight", b.w13);
        add(p + ".ffn.w2.weight", b.w2);
    };
    const Tokenizer &t = m->tok;
    part = "tokenizer ";
    lin("embed", t.embed);
    lin("head", t.head);
    lin("quant_embed", t.quant_embed);
    lin("post_quant_embed", t.post_quant_embed);
    lin("post_quant_embed_pre", t.post_quant_embed_pre);
    for (size_t i = 0; i < t.encoder.size(); i++)
        blk("encoder." + std::to_string(i), t.encoder[i]);
    for (size_t i = 0; i < t.decoder.size(); i++)
        blk("decoder." + std::to_string(i), t.decoder[i]);
    const Predictor &p = m->pred;
    part = "predictor ";
    const std::string te = m->pc.learn_te ? ".weight" : ".emb.weight";
    add("embedding.emb_s1.weight", p.emb_s1);
    add("embedding.emb_s2.weight", p.emb_s2);
    add("time_emb.minute_embed" + te, p.minute);
    add("time_emb.hour_embed" + te, p.hour);
    add("time_emb.weekday_embed" + te, p.weekday);
    add("time_emb.day_embed" + te, p.day);
    add("time_emb.month_embed" + te, p.month);
    add("norm.weight", p.norm);
    add("dep_layer.norm.weight", p.dep_norm);
    lin("embedding.fusion_proj", p.fusion);
    lin("dep_layer.cross_attn.q_proj", p.dep_q);
    lin("dep_layer.cross_attn.k_proj", p.dep_k);
    lin("dep_layer.cross_attn.v_proj", p.dep_v);
    lin("dep_layer.cross_attn.out_proj", p.dep_o);
    lin("head.proj_s1", p.proj_s1);
    lin("head.proj_s2", p.proj_s2);
    for (size_t i = 0; i < p.layers.size(); i++)
        blk("transformer." + std::to_string(i), p.layers[i]);
    return v;
}

// Threads: the engine's own lanes (generate_lanes) do the parallel work;
// libtorch's OpenMP pool and OpenBLAS's pthread pool are set to one thread
// each, once, the first time a model is opened or threads are set.
void openblas_threads(int n)
{
    auto f = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
    if (f)
        f(n);
}

// libtorch's CPU allocator with transparent huge pages for activations
// and caches of 2 MB or more (2 MB-aligned, madvise(MADV_HUGEPAGE), which
// the kernel honours in its default "madvise" mode). A 4 KB page fault per
// first touch and the TLB misses of the matrix products cost ~20% of the
// prefill otherwise (measured: 10.1 -> 7.8 s for 40 tickers, one thread).
struct HugePageAllocator final : at::Allocator {
    static void release(void *p) { free(p); }
    at::DataPtr allocate(size_t n) const override
    {
        constexpr size_t huge = (size_t)2 << 20;
        void *p = nullptr;
        if (n >= huge) {
            if (posix_memalign(&p, huge, n) != 0)
                throw std::bad_alloc();
            madvise(p, n & ~(huge - 1), MADV_HUGEPAGE);  // advice only: failure is harmless
        } else if (posix_memalign(&p, 64, n ? n : 1) != 0) {
            throw std::bad_alloc();
        }
        return {p, p, &release, at::Device(at::kCPU)};
    }
    at::DeleterFnPtr raw_deleter() const override { return &release; }
};

std::atomic<int> &default_lanes()
{
    static std::atomic<int> lanes{[] {
        c10::SetCPUAllocator(new HugePageAllocator, 10);  // libtorch owns it from here
        // OMP_NUM_THREADS if set, else the CPUs this process may run on
        // (libtorch's own default counts 1 on some virtual machines).
        int n = 0;
        if (const char *e = getenv("OMP_NUM_THREADS"))
            n = atoi(e);
        cpu_set_t set;
        if (n < 1 && sched_getaffinity(0, sizeof set, &set) == 0)
            n = CPU_COUNT(&set);
        n = std::max(1, std::min(n, 256));
        at::set_num_threads(1);
        openblas_threads(1);
        return n;
    }()};
    return lanes;
}

void finish_open(kronos_model *m, const kronos_options *opt)
{
    // Keep freed activation buffers (up to 32 MB each) in the heap rather
    // than returning them to the kernel: page faults cost ~20% otherwise.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if (opt)
        m->opt = *opt;
    const int dl = default_lanes().load();  // also puts libtorch and OpenBLAS at one thread
    m->lanes = m->opt.threads > 0 ? m->opt.threads : dl;
    int64_t total = 0;
    for (const NamedTensor &n : all_tensors(m))
        total += n.t->numel();
    m->bytes = total * 4;
}

void check_stamps(const kronos_stamp *st, int64_t n, const char *what, int64_t series, int64_t len)
{
    for (int64_t i = 0; i < n; i++) {
        const kronos_stamp &s = st[i];
        if (s.minute < 0 || s.minute > 59 || s.hour < 0 || s.hour > 23 || s.weekday < 0 || s.weekday > 6 ||
            s.day < 0 || s.day > 31 || s.month < 0 || s.month > 12) {
            char b[200];
            snprintf(b, sizeof b, _("series %lld: %s stamp %lld is out of range"), (long long)(i / len + series),
                     what, (long long)(i % len));
            fail(KRONOS_EINVAL, b);
        }
    }
}

at::Tensor stamps_tensor(const kronos_stamp *st, int64_t n)
{
    at::Tensor t = at::empty({n, 5}, I64);
    int64_t *p = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; i++) {
        p[5 * i + 0] = st[i].minute;
        p[5 * i + 1] = st[i].hour;
        p[5 * i + 2] = st[i].weekday;
        p[5 * i + 3] = st[i].day;
        p[5 * i + 4] = st[i].month;
    }
    return t;
}

// Micro-batch sizing: every row (series x sample) keeps its KV cache and
// token/stamp buffers; the prefill, encode and decode work in chunks of
// about 2048 tokens whatever the batch (chunk_rows), a fixed working set.
size_t row_bytes(const kronos_model *m, int64_t L0, int64_t P, int64_t mc)
{
    const kronos_predictor_config &c = m->pc;
    const int64_t Lc = std::min(L0 + P, mc);
    int64_t cache = (2 * (int64_t)c.n_layers + 2) * Lc * c.d_model;
    return (size_t)(4 * cache + (L0 + P) * (16 + 40 + 24) + 8 * (c.d_model + (1 << c.s1_bits)));
}

size_t chunk_bytes(const kronos_model *m, int64_t L0, int64_t P, int64_t mc)
{
    const kronos_predictor_config &c = m->pc;
    const kronos_tokenizer_config &t = m->tc;
    int64_t worst = 0;
    for (int64_t L : {std::min(L0 + P, mc), L0}) {
        const int64_t rows = chunk_rows(L), tok = rows * L;
        int64_t pred = 2 * rows * c.n_heads * L * L + tok * (8 * c.d_model + 4 * c.ff_dim);
        int64_t tk = 2 * rows * t.n_heads * L * L + tok * (8 * t.d_model + 4 * t.ff_dim);
        worst = std::max({worst, pred, tk});
    }
    return (size_t)(4 * worst);
}

// Who reports progress and how lanes stop each other (see generate_lanes).
struct LaneCtl {
    kronos_progress_fn progress = nullptr;  // set on lane 0 only
    void *user = nullptr;
    int done_series = 0, total_series = 0;
    std::atomic<bool> *stop = nullptr;  // another lane failed or was cancelled
};
struct LaneStopped {};

// The reference's auto_regressive_inference for rows [B] of normalised,
// clipped input x [B, L0, 6]; returns decoded forecasts [B, P, 6].
at::Tensor generate(const kronos_model *m, const at::Tensor &x, const at::Tensor &full_stamp,
                    const kronos_sampling &s, std::vector<Rng> &rngs, size_t rng0, const LaneCtl &ctl,
                    kronos_timing &tm)
{
    const int64_t B = x.size(0), L0 = x.size(1), P = s.pred_len, mc = s.max_context, d = m->pc.d_model;
    const int64_t total = L0 + P;
    double t0 = now_s();
    at::Tensor s1_ctx, s2_ctx;
    at::Tensor full_s1 = at::zeros({B, total}, I64), full_s2 = at::zeros({B, total}, I64);
    for (int64_t r0 = 0, cr = chunk_rows(L0); r0 < B; r0 += cr) {
        const int64_t nr = std::min(cr, B - r0);
        tokenizer_encode(m->tok, m->tc, x.narrow(0, r0, nr), s1_ctx, s2_ctx);
        full_s1.narrow(0, r0, nr).narrow(1, 0, L0).copy_(s1_ctx);
        full_s2.narrow(0, r0, nr).narrow(1, 0, L0).copy_(s2_ctx);
    }
    double t1 = now_s();
    tm.encode_s += t1 - t0;

    PredCache cache = new_pred_cache(m->pred, B, d, std::min(total, mc));
    std::vector<double> buf;
    std::vector<int64_t> idx;
    std::vector<int64_t> ids(B);
    for (int64_t i = 0; i < P; i++) {
        double ts = now_s();
        const int64_t cur = L0 + i, ws = std::max<int64_t>(0, cur - mc);
        if (!m->kv_cache || ws > 0)
            cache.len = 0;  // window slid (positions restart) or no cache: recompute
        const int64_t from = ws + cache.len, n_new = cur - from;
        // Prefills go through in row chunks (bounded activations, warm
        // allocator); single-token steps take all rows at once.
        at::Tensor h_last = at::empty({B, d}, F32);
        for (int64_t r0 = 0, cr = n_new > 1 ? chunk_rows(n_new) : B; r0 < B; r0 += cr) {
            const int64_t nr = std::min(cr, B - r0);
            PredCache sub = cache.rows(r0, nr);
            at::Tensor h = predictor_hidden(m->pred, d, full_s1.narrow(0, r0, nr).narrow(1, from, n_new),
                                            full_s2.narrow(0, r0, nr).narrow(1, from, n_new),
                                            full_stamp.narrow(0, r0, nr).narrow(1, from, n_new), sub);
            h_last.narrow(0, r0, nr).copy_(h.select(1, n_new - 1));
        }
        cache.len += n_new;
        at::Tensor l1 = linear(m->pred.proj_s1, h_last).contiguous();
        const int64_t V1 = l1.size(1);
        for (int64_t r = 0; r < B; r++)
            ids[r] = sample_row(l1.data_ptr<float>() + r * V1, V1, s, rngs[rng0 + r], buf, idx);
        at::Tensor s1_new = at::from_blob(ids.data(), {B}, I64).clone();
        at::Tensor l2 = predictor_s2_logits(m->pred, d, h_last, s1_new, cache).contiguous();
        const int64_t V2 = l2.size(1);
        for (int64_t r = 0; r < B; r++)
            ids[r] = sample_row(l2.data_ptr<float>() + r * V2, V2, s, rngs[rng0 + r], buf, idx);
        full_s1.select(1, cur).copy_(s1_new);
        full_s2.select(1, cur).copy_(at::from_blob(ids.data(), {B}, I64));
        double te = now_s();
        if (n_new > 1) {
            tm.prefill_s += te - ts;
            tm.prefill_tokens += B * n_new;
        } else {
            tm.generate_s += te - ts;
            tm.step_tokens += B * n_new;
        }
        if (ctl.stop && ctl.stop->load(std::memory_order_relaxed))
            throw LaneStopped{};
        if (ctl.progress && ctl.progress(ctl.user, ctl.done_series, ctl.total_series))
            fail(KRONOS_ECANCELLED, _("cancelled"));
    }
    double t2 = now_s();
    // Final decode of the last min(total, max_context) tokens.
    const int64_t cs = std::max<int64_t>(0, total - mc);
    at::Tensor res = at::empty({B, P, 6}, F32);
    for (int64_t r0 = 0, cr = chunk_rows(total - cs); r0 < B; r0 += cr) {
        const int64_t nr = std::min(cr, B - r0);
        at::Tensor z = tokenizer_decode(m->tok, m->tc, full_s1.narrow(0, r0, nr).narrow(1, cs, total - cs),
                                        full_s2.narrow(0, r0, nr).narrow(1, cs, total - cs));
        res.narrow(0, r0, nr).copy_(z.narrow(1, z.size(1) - P, P));
    }
    tm.decode_s += now_s() - t2;
    return res;
}

// A micro-batch's rows split over m->lanes lanes: each lane runs generate()
// on its own contiguous rows in its own thread, with libtorch and OpenBLAS
// single-threaded inside, and the calling thread is lane 0. Rows are
// independent (own RNG stream, own cache), so lanes need no
// synchronisation until the join; with one BLAS thread pool and one
// OpenMP pool spinning against each other on two cores, the shared-memory
// alternative spent most of its time in sched_yield. Lane 0 reports
// progress; a lane that fails or is cancelled stops the others at their
// next step, and the first real error is rethrown after the join.
at::Tensor generate_lanes(kronos_model *m, const at::Tensor &x, const at::Tensor &full_stamp,
                          const kronos_sampling &s, std::vector<Rng> &rngs, size_t rng0, kronos_progress_fn progress,
                          void *user, int done_series, int total_series)
{
    // At least two rows per lane: a one-row matrix product takes another
    // BLAS path (different rounding), and the bytes must not depend on the
    // thread count.
    const int64_t B = x.size(0), lanes = std::max<int64_t>(1, std::min<int64_t>(m->lanes, B / 2));
    std::atomic<bool> stop{false};
    std::vector<kronos_timing> tms((size_t)lanes, kronos_timing{});
    std::vector<at::Tensor> outs((size_t)lanes);
    std::vector<std::exception_ptr> errs((size_t)lanes);
    auto run = [&](int64_t k) {
        const int64_t r0 = B * k / lanes, r1 = B * (k + 1) / lanes;
        LaneCtl ctl;
        ctl.stop = &stop;
        if (k == 0) {
            ctl.progress = progress;
            ctl.user = user;
            ctl.done_series = done_series;
            ctl.total_series = total_series;
        }
        try {
            c10::InferenceMode guard;
            outs[(size_t)k] = generate(m, x.narrow(0, r0, r1 - r0), full_stamp.narrow(0, r0, r1 - r0), s, rngs,
                                       rng0 + (size_t)r0, ctl, tms[(size_t)k]);
        } catch (const LaneStopped &) {
        } catch (...) {
            errs[(size_t)k] = std::current_exception();
            stop = true;
        }
    };
    std::vector<std::thread> threads;
    try {
        for (int64_t k = 1; k < lanes; k++)
            threads.emplace_back(run, k);
    } catch (const std::system_error &) {
        stop = true;  // could not start a thread: stop the started ones, report below
        errs[0] = std::make_exception_ptr(KError{KRONOS_EINTERNAL, _("cannot start a compute thread")});
    }
    if (!errs[0])
        run(0);
    for (std::thread &t : threads)
        t.join();
    for (std::exception_ptr &e : errs)
        if (e)
            std::rethrow_exception(e);
    kronos_timing &tm = m->timing;  // phases overlap: a phase lasts as long as its slowest lane
    double enc = 0, pre = 0, gen = 0, dec = 0;
    for (const kronos_timing &t : tms) {
        enc = std::max(enc, t.encode_s);
        pre = std::max(pre, t.prefill_s);
        gen = std::max(gen, t.generate_s);
        dec = std::max(dec, t.decode_s);
        tm.prefill_tokens += t.prefill_tokens;
        tm.step_tokens += t.step_tokens;
    }
    tm.encode_s += enc;
    tm.prefill_s += pre;
    tm.generate_s += gen;
    tm.decode_s += dec;
    at::Tensor res = lanes == 1 ? outs[0] : at::cat(outs, 0);
    m->last_out = res;
    return res;
}

void forecast_impl(kronos_model *m, const kronos_batch *in, const kronos_sampling *sp, kronos_progress_fn progress,
                   void *user, double *out)
{
    if (!m || !in || !sp || !out)
        fail(KRONOS_EINVAL, _("NULL argument"));
    const kronos_sampling s = *sp;
    const int64_t N = in->n_series, L0 = in->lookback, P = s.pred_len, S = s.sample_count;
    if (N < 1 || L0 < 1 || P < 1 || S < 1 || s.max_context < 1 || !(s.clip > 0) || !(s.temperature >= 0) ||
        s.top_k < 0 || !(s.top_p > 0 && s.top_p <= 1.0))
        fail(KRONOS_EINVAL, _("invalid batch or sampling settings (n_series, lookback, pred_len, sample_count, "
                              "max_context >= 1; clip > 0; T >= 0; top_k >= 0; 0 < top_p <= 1)"));
    if (!in->ohlcva || !in->x_stamp || !in->y_stamp)
        fail(KRONOS_EINVAL, _("NULL input array"));
    check_stamps(in->x_stamp, N * L0, "x", 0, L0);
    check_stamps(in->y_stamp, N * P, "y", 0, P);
    m->timing = kronos_timing{};
    double t_start = now_s();

    // KronosPredictor.predict_batch: defaults, NaN check, normalisation.
    std::vector<float> xn((size_t)(N * L0 * 6));
    std::vector<double> mean((size_t)N * 6), stdv((size_t)N * 6);
    for (int64_t i = 0; i < N; i++) {
        std::vector<float> raw((size_t)L0 * 6);
        for (int64_t t = 0; t < L0; t++) {
            const double *r = in->ohlcva + (i * L0 + t) * 6;
            double v[6] = {r[0], r[1], r[2], r[3], in->has_volume ? r[4] : 0.0, 0.0};
            v[5] = !in->has_volume ? 0.0 : in->has_amount ? r[5] : v[4] * ((r[0] + r[1] + r[2] + r[3]) / 4.0);
            for (int c = 0; c < 6; c++) {
                if (!std::isfinite(v[c])) {
                    char b[160];
                    snprintf(b, sizeof b, _("series %lld row %lld column %d: value is NaN or infinite"), (long long)i,
                             (long long)t, c);
                    fail(KRONOS_EINVAL, b);
                }
                raw[t * 6 + c] = (float)v[c];  // .astype(np.float32)
            }
        }
        for (int c = 0; c < 6; c++) {
            double sum = 0, sq = 0;
            for (int64_t t = 0; t < L0; t++)
                sum += raw[t * 6 + c];
            double mu = sum / (double)L0;
            for (int64_t t = 0; t < L0; t++)
                sq += (raw[t * 6 + c] - mu) * (raw[t * 6 + c] - mu);
            double sd = std::sqrt(sq / (double)L0);  // population std (ddof 0)
            mean[i * 6 + c] = (float)mu;
            stdv[i * 6 + c] = (float)sd;
            for (int64_t t = 0; t < L0; t++) {
                double z = (raw[t * 6 + c] - (float)mu) / ((float)sd + 1e-5);
                xn[(i * L0 + t) * 6 + c] = (float)std::min(std::max(z, -s.clip), s.clip);
            }
        }
    }

    // One RNG stream per row: series seed (series_seeds or seed + index), sample j.
    const int64_t R = N * S;
    std::vector<Rng> rngs;
    rngs.reserve((size_t)R);
    for (int64_t r = 0; r < R; r++) {
        int64_t i = r / S;
        uint64_t seed = in->series_seeds ? in->series_seeds[i] : s.seed + (uint64_t)i;
        rngs.emplace_back(seed, (uint64_t)(r % S));
    }

    // Micro-batches of rows.
    int64_t mb = m->opt.batch_size;
    if (mb <= 0) {
        size_t budget = m->opt.memory_budget_bytes ? m->opt.memory_budget_bytes : ((size_t)1 << 30);
        size_t fixed = chunk_bytes(m, L0, P, s.max_context) * (size_t)std::max(1, m->lanes);
        mb = budget > fixed ? (int64_t)((budget - fixed) / row_bytes(m, L0, P, s.max_context)) : 0;
        if (mb < 1)
            fail(KRONOS_ENOMEM, _("memory budget too small for one series"));
    }
    mb = std::min(mb, R);
    m->timing.batch_rows = (int)mb;
    at::Tensor x_all = at::from_blob(xn.data(), {N, L0, 6}, F32);
    at::Tensor xs_all = stamps_tensor(in->x_stamp, N * L0).view({N, L0, 5});
    at::Tensor ys_all = stamps_tensor(in->y_stamp, N * P).view({N, P, 5});
    std::vector<double> acc((size_t)(N * P * 6), 0.0);
    for (int64_t r0 = 0; r0 < R; r0 += mb) {
        const int64_t nb = std::min(mb, R - r0);
        at::Tensor series = at::arange(r0, r0 + nb, I64).div(S, "floor");  // row -> series
        at::Tensor x = x_all.index_select(0, series);
        at::Tensor st = at::cat({xs_all.index_select(0, series), ys_all.index_select(0, series)}, 1);
        at::Tensor z =
            generate_lanes(m, x, st, s, rngs, (size_t)r0, progress, user, (int)(r0 / S), (int)N).contiguous();
        const float *zp = z.data_ptr<float>();
        for (int64_t r = 0; r < nb; r++) {
            int64_t i = (r0 + r) / S;
            for (int64_t k = 0; k < P * 6; k++)
                acc[i * P * 6 + k] += zp[r * P * 6 + k];
        }
        m->timing.micro_batches++;
        if (progress && progress(user, (int)((r0 + nb) / S), (int)N))
            fail(KRONOS_ECANCELLED, _("cancelled"));
    }
    // Average the samples in normalised space, then undo the normalisation.
    for (int64_t i = 0; i < N; i++)
        for (int64_t t = 0; t < P; t++)
            for (int c = 0; c < 6; c++) {
                float avg = (float)(acc[(i * P + t) * 6 + c] / (double)S);
                out[(i * P + t) * 6 + c] = (double)avg * (stdv[i * 6 + c] + 1e-5) + mean[i * 6 + c];
            }
    m->timing.rows = R;
    m->timing.total_s = now_s() - t_start;
}

void fill_runtime(kronos_device_status *st, int lanes)
{
    memset(st, 0, sizeof *st);
    snprintf(st->device, sizeof st->device, "cpu");
    st->intra_threads = lanes;
    kt_blas_describe(st);  // BLAS library, kernel and SIMD level
}

at::Tensor ids_tensor(const int64_t *p, int L) { return at::from_blob((void *)p, {1, L}, I64).clone(); }

}  // namespace

// ---------------------------------------------------------------------------
// C API.
extern "C" {

const char *kronos_status_name(kronos_status s)
{
    switch (s) {
    case KRONOS_OK: return "ok";
    case KRONOS_EIO: return "io";
    case KRONOS_EFORMAT: return "format";
    case KRONOS_ECONFIG: return "config";
    case KRONOS_ESHAPE: return "shape";
    case KRONOS_EDEVICE: return "device";
    case KRONOS_EINVAL: return "invalid";
    case KRONOS_ENOMEM: return "nomem";
    case KRONOS_ECANCELLED: return "cancelled";
    case KRONOS_EINTERNAL: return "internal";
    }
    return "unknown";
}

void kronos_sampling_defaults(kronos_sampling *s)
{
    memset(s, 0, sizeof *s);
    s->pred_len = 1;
    s->temperature = 1.0;
    s->top_k = 0;
    s->top_p = 0.9;
    s->sample_count = 1;
    s->max_context = 512;
    s->clip = 5.0;
    s->seed = 0;
}

int kronos_open(const char *tokenizer_dir, const char *model_dir, const kronos_options *opt, kronos_model **out,
                kronos_error *err)
{
    if (out)
        *out = nullptr;
    kronos_model *m = nullptr;
    int rc = guarded(err, [&] {
        if (!tokenizer_dir || !model_dir || !out)
            fail(KRONOS_EINVAL, _("NULL argument"));
        m = new kronos_model();
        m->tok_dir = tokenizer_dir;
        m->pred_dir = model_dir;
        char e[512];
        int st;
        std::string tcfg = m->tok_dir + "/config.json", pcfg = m->pred_dir + "/config.json";
        if ((st = kt_modelcfg_tokenizer(tcfg.c_str(), &m->tc, e, sizeof e)) != KRONOS_OK)
            fail(st, e);
        if ((st = kt_modelcfg_predictor(pcfg.c_str(), &m->pc, e, sizeof e)) != KRONOS_OK)
            fail(st, e);
        if ((st = kt_modelcfg_pair(&m->tc, &m->pc, pcfg.c_str(), e, sizeof e)) != KRONOS_OK)
            fail(st, e);
        {
            FileSource src(m->tok_dir + "/model.safetensors");
            m->tok = build_tokenizer(src, m->tc);
            src.check_all_used();
            m->tok_params = src.params;
        }
        {
            FileSource src(m->pred_dir + "/model.safetensors");
            m->pred = build_predictor(src, m->pc, &m->pred_params);
            src.check_all_used();
        }
        finish_open(m, opt);
    });
    if (rc != KRONOS_OK) {
        delete m;
        return rc;
    }
    *out = m;
    return KRONOS_OK;
}

int kronos_open_random(const kronos_tokenizer_config *tc, const kronos_predictor_config *pc, uint64_t seed,
                       const kronos_options *opt, kronos_model **out, kronos_error *err)
{
    if (out)
        *out = nullptr;
    kronos_model *m = nullptr;
    int rc = guarded(err, [&] {
        if (!tc || !pc || !out)
            fail(KRONOS_EINVAL, _("NULL argument"));
        m = new kronos_model();
        m->tc = *tc;
        m->pc = *pc;
        m->tok_dir = m->pred_dir = "(random)";
        char e[512];
        if (tc->s1_bits != tc->s2_bits || tc->d_model % tc->n_heads || pc->d_model % pc->n_heads ||
            pc->d_model % 8 || tc->d_in != 6)
            fail(KRONOS_ECONFIG, _("invalid random model shape"));
        int st = kt_modelcfg_pair(tc, pc, "(random)", e, sizeof e);
        if (st != KRONOS_OK)
            fail(st, e);
        RandomSource s1(seed), s2(seed + 1);
        m->tok = build_tokenizer(s1, *tc);
        m->tok_params = s1.params;
        m->pred = build_predictor(s2, *pc, &m->pred_params);
        finish_open(m, opt);
    });
    if (rc != KRONOS_OK) {
        delete m;
        return rc;
    }
    *out = m;
    return KRONOS_OK;
}

void kronos_close(kronos_model *m) { delete m; }

int kronos_describe(const kronos_model *m, kronos_info *info)
{
    if (!m || !info)
        return KRONOS_EINVAL;
    memset(info, 0, sizeof *info);
    info->tokenizer = m->tc;
    info->predictor = m->pc;
    info->tokenizer_params = m->tok_params;
    info->predictor_params = m->pred_params;
    info->bytes = m->bytes;
    snprintf(info->tokenizer_dir, sizeof info->tokenizer_dir, "%s", m->tok_dir.c_str());
    snprintf(info->predictor_dir, sizeof info->predictor_dir, "%s", m->pred_dir.c_str());
    return KRONOS_OK;
}

void kronos_runtime_status(kronos_device_status *st)
{
    if (!st)
        return;
    try {
        fill_runtime(st, default_lanes().load());
        st->verified = 1;
    } catch (...) {
        snprintf(st->violation, sizeof st->violation, "%s", _("runtime status unavailable"));
    }
}

int kronos_device_status_get(kronos_model *m, kronos_device_status *st, kronos_error *err)
{
    if (!st)
        return KRONOS_EINVAL;
    int rc = guarded(err, [&] {
        if (!m)
            fail(KRONOS_EINVAL, _("NULL model"));
        fill_runtime(st, m->lanes);
        st->params = m->tok_params + m->pred_params;
        st->bytes = m->bytes;
        std::vector<NamedTensor> ts = all_tensors(m);
        if (m->last_out.defined())
            ts.push_back({"last_forecast_output", &m->last_out});
        for (const NamedTensor &n : ts) {
            const at::Tensor *t = n.t;
            st->tensors_checked++;
            if (!t->defined() || !t->device().is_cpu() || !t->is_cpu()) {
                snprintf(st->violation, sizeof st->violation, _("tensor %s is on %s, not the CPU"),
                         n.name.c_str(), t->defined() ? t->device().str().c_str() : "nothing");
                fail(KRONOS_EDEVICE, st->violation);
            }
        }
        st->verified = 1;
    });
    return rc;
}

int kronos_set_threads(kronos_model *m, int threads)
{
    if (threads < 1)
        return KRONOS_EINVAL;
    try {
        std::atomic<int> &dl = default_lanes();
        if (m) {
            m->opt.threads = threads;
            m->lanes = threads;
        } else {
            dl = threads;
        }
    } catch (...) {
        return KRONOS_EINTERNAL;
    }
    return KRONOS_OK;
}

int kronos_forecast(kronos_model *m, const kronos_batch *in, const kronos_sampling *s, kronos_progress_fn progress,
                    void *user, double *out, kronos_error *err)
{
    return guarded(err, [&] { forecast_impl(m, in, s, progress, user, out); });
}

void kronos_debug_set_kv_cache(kronos_model *m, int enable)
{
    if (m)
        m->kv_cache = enable != 0;
}

int kronos_debug_move_tensor(kronos_model *m, const char *name, const char *device, kronos_error *err)
{
    return guarded(err, [&] {
        if (!m || !name || !device)
            fail(KRONOS_EINVAL, _("NULL argument"));
        for (const NamedTensor &n : all_tensors(m))
            if (n.name == name) {
                at::Tensor *t = const_cast<at::Tensor *>(n.t);
                *t = t->to(at::Device(std::string(device)));
                return;
            }
        fail(KRONOS_EINVAL, strf("no tensor named \"%s\"", name));
    });
}

void kronos_debug_timing(const kronos_model *m, kronos_timing *t)
{
    if (m && t)
        *t = m->timing;
}

int kronos_debug_encode(kronos_model *m, const float *x, int L, int64_t *s1, int64_t *s2, kronos_error *err)
{
    return guarded(err, [&] {
        if (!m)
            fail(KRONOS_EINVAL, _("NULL model"));
        at::Tensor a, b;
        tokenizer_encode(m->tok, m->tc, at::from_blob((void *)x, {1, L, 6}, F32).clone(), a, b);
        memcpy(s1, a.contiguous().data_ptr<int64_t>(), sizeof(int64_t) * L);
        memcpy(s2, b.contiguous().data_ptr<int64_t>(), sizeof(int64_t) * L);
    });
}

int kronos_debug_decode(kronos_model *m, const int64_t *s1, const int64_t *s2, int L, float *out,
                        kronos_error *err)
{
    return guarded(err, [&] {
        if (!m)
            fail(KRONOS_EINVAL, _("NULL model"));
        at::Tensor z = tokenizer_decode(m->tok, m->tc, ids_tensor(s1, L), ids_tensor(s2, L)).contiguous();
        memcpy(out, z.data_ptr<float>(), sizeof(float) * L * 6);
    });
}

int kronos_debug_last_logits(kronos_model *m, const int64_t *s1, const int64_t *s2, const kronos_stamp *stamps,
                             int L, int64_t s1_cond, float *s1_logits, float *s2_logits, kronos_error *err)
{
    return guarded(err, [&] {
        if (!m)
            fail(KRONOS_EINVAL, _("NULL model"));
        check_stamps(stamps, L, "x", 0, L);
        PredCache c = new_pred_cache(m->pred, 1, m->pc.d_model, L);
        at::Tensor h = predictor_hidden(m->pred, m->pc.d_model, ids_tensor(s1, L), ids_tensor(s2, L),
                                        stamps_tensor(stamps, L).view({1, L, 5}), c);
        at::Tensor h_last = h.select(1, L - 1);
        at::Tensor l1 = linear(m->pred.proj_s1, h_last).contiguous();
        at::Tensor l2 = predictor_s2_logits(m->pred, m->pc.d_model, h_last, at::full({1}, s1_cond, I64), c)
                            .contiguous();
        memcpy(s1_logits, l1.data_ptr<float>(), sizeof(float) * l1.numel());
        memcpy(s2_logits, l2.data_ptr<float>(), sizeof(float) * l2.numel());
    });
}

int kronos_debug_sample(const float *logits, int n, const kronos_sampling *s, uint64_t seed, uint64_t stream,
                        int count, int64_t *out, kronos_error *err)
{
    return guarded(err, [&] {
        if (!logits || !s || !out || n < 1 || count < 0 || !(s->temperature >= 0) || s->top_k < 0 ||
            !(s->top_p > 0 && s->top_p <= 1.0))
            fail(KRONOS_EINVAL, _("invalid sampling settings (n >= 1; T >= 0; top_k >= 0; 0 < top_p <= 1)"));
        Rng rng(seed, stream);
        std::vector<double> buf;
        std::vector<int64_t> idx;
        for (int i = 0; i < count; i++)
            out[i] = sample_row(logits, n, *s, rng, buf, idx);
    });
}

double kronos_bench_sgemm_gflops(int mm, int k, int n, int reps)
{
    try {
        c10::InferenceMode guard;
        openblas_threads(default_lanes().load());  // the BLAS's own threads, for this measurement only
        struct Restore {
            ~Restore() { openblas_threads(1); }
        } restore;
        at::Tensor a = at::randn({mm, k}, F32), b = at::randn({k, n}, F32);
        at::Tensor c = at::mm(a, b);  // warm-up
        double best = 1e30;
        for (int r = 0; r < reps; r++) {
            double t0 = now_s();
            c = at::mm(a, b);
            best = std::min(best, now_s() - t0);
        }
        return 2.0 * mm * k * n / best / 1e9;
    } catch (...) {
        return 0.0;
    }
}

}  // extern "C"
