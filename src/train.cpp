// train.cpp: Kronos tokenizer + predictor training on the CPU (see train.h).
//
// Written from the model description in docs (kronos-reference.md) and checked
// against upstream's module.py / kronos.py / finetune scripts; no code copied.
// Parameters live in a std::map keyed by their state_dict names, so iteration
// order is the sorted order the safetensors file uses.
#include "config.h"

#include "train.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <jansson.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <cstdarg>
#include <vector>

#include "i18n.h"
#include "st_write.h"

namespace {

// ---- errors and randomness ----------------------------------------------

struct TrainError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string &msg) { throw TrainError(msg); }

// A message from a translated printf format (every user-facing text goes
// through _(), see i18n.h).
__attribute__((format(printf, 1, 2))) std::string msgf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

struct Rng {
    uint64_t s[4];
    bool has_spare = false;
    double spare = 0.0;
    explicit Rng(uint64_t seed)
    {
        for (auto &w : s) {
            uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            w = z ^ (z >> 31);
        }
    }
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t next()
    {
        uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return out;
    }
    double unif() { return ((double)(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
    uint64_t below(uint64_t n) { return (uint64_t)(unif() * (double)n) % n; }
    double norm()
    {
        if (has_spare) {
            has_spare = false;
            return spare;
        }
        double u1 = unif(), u2 = unif(), r = std::sqrt(-2.0 * std::log(u1));
        spare = r * std::sin(2.0 * M_PI * u2);
        has_spare = true;
        return r * std::cos(2.0 * M_PI * u2);
    }
};

using Params = std::map<std::string, at::Tensor>;

at::TensorOptions f32() { return at::TensorOptions().dtype(at::kFloat); }

at::Tensor normal_tensor(Rng &rng, std::vector<int64_t> shape, double std)
{
    int64_t n = 1;
    for (auto d : shape)
        n *= d;
    std::vector<float> v((size_t)n);
    for (auto &x : v)
        x = (float)(rng.norm() * std);
    return at::from_blob(v.data(), shape, f32()).clone();
}

// ---- configurations -----------------------------------------------------

struct TokCfg {
    int d_in = 6, d_model = 64, n_heads = 4, ff_dim = 128, n_enc = 3, n_dec = 3;
    int s1 = 8, s2 = 8, group_size = 4;
    double beta = 0.05, gamma0 = 1.0, gamma = 1.1, zeta = 0.05;
};

struct PredCfg {
    int s1 = 8, s2 = 8, n_layers = 3, d_model = 128, n_heads = 4, ff_dim = 256;
    bool learn_te = true;
};

void check_tok(const TokCfg &c, const std::string &where)
{
    if (c.d_in != 6)
        fail(msgf(_("%s: d_in must be 6"), where.c_str()));
    if (c.d_model < 4 || c.n_heads < 1 || c.d_model % c.n_heads || (c.d_model / c.n_heads) % 2)
        fail(msgf(_("%s: d_model must be a multiple of n_heads with an even head size"), where.c_str()));
    if (c.ff_dim < 1 || c.n_enc < 1 || c.n_dec < 1)
        fail(msgf(_("%s: ff_dim, n_enc_layers and n_dec_layers must be >= 1"), where.c_str()));
    if (c.s1 < 1 || c.s1 > 16 || c.s1 != c.s2)
        fail(msgf(_("%s: s1_bits must equal s2_bits (1..16)"), where.c_str()));
    if (c.group_size < 1 || (c.s1 + c.s2) % c.group_size || c.group_size > 12)
        fail(msgf(_("%s: group_size must divide s1_bits + s2_bits"), where.c_str()));
}

void check_pred(const PredCfg &c, const std::string &where)
{
    if (c.d_model < 8 || c.n_heads < 1 || c.d_model % c.n_heads || (c.d_model / c.n_heads) % 2)
        fail(msgf(_("%s: d_model must be a multiple of n_heads with an even head size"), where.c_str()));
    if (c.d_model % 4 || (c.d_model / 4) % 2)
        fail(msgf(_("%s: d_model must be a multiple of 8 (dependency layer has 4 heads)"), where.c_str()));
    if (c.s1 < 1 || c.s1 > 16 || c.s2 < 1 || c.s2 > 16 || c.n_layers < 1 || c.ff_dim < 1)
        fail(msgf(_("%s: invalid bits, n_layers or ff_dim"), where.c_str()));
}

// ---- building blocks -----------------------------------------------------

void add_linear(Params &P, Rng &rng, const std::string &name, int64_t out, int64_t in, bool bias)
{
    // xavier normal, zero bias (upstream Kronos._init_weights)
    P[name + ".weight"] = normal_tensor(rng, {out, in}, std::sqrt(2.0 / (double)(in + out)));
    if (bias)
        P[name + ".bias"] = at::zeros({out}, f32());
}

void add_block(Params &P, Params &B, Rng &rng, const std::string &pre, int d, int ff, int heads)
{
    P[pre + "norm1.weight"] = at::ones({d}, f32());
    P[pre + "norm2.weight"] = at::ones({d}, f32());
    for (const char *p : { "q_proj", "k_proj", "v_proj", "out_proj" })
        add_linear(P, rng, pre + "self_attn." + p, d, d, true);
    add_linear(P, rng, pre + "ffn.w1", ff, d, false);
    add_linear(P, rng, pre + "ffn.w2", d, ff, false);
    add_linear(P, rng, pre + "ffn.w3", ff, d, false);
    int hd = d / heads;
    B[pre + "self_attn.rotary.inv_freq"] =
        1.0 / at::pow(10000.0, at::arange(0, hd, 2, f32()) / (double)hd);
}

const at::Tensor &get(const Params &P, const std::string &name)
{
    auto it = P.find(name);
    if (it == P.end())
        fail("internal: no parameter " + name);
    return it->second;
}

at::Tensor rmsnorm(const at::Tensor &x, const at::Tensor &w)
{
    return x * at::rsqrt(x.pow(2).mean({ -1 }, true) + 1e-5) * w;
}

at::Tensor lin(const Params &P, const std::string &name, const at::Tensor &x, bool bias = true)
{
    return at::linear(x, get(P, name + ".weight"), bias ? get(P, name + ".bias") : at::Tensor());
}

at::Tensor rotate_half(const at::Tensor &x)
{
    auto h = x.chunk(2, -1);
    return at::cat({ -h[1], h[0] }, -1);
}

// q/k: [B, H, L, hd]; positions 0..L-1
void rope(at::Tensor &q, at::Tensor &k, int hd)
{
    int64_t L = q.size(2);
    auto inv = 1.0 / at::pow(10000.0, at::arange(0, hd, 2, f32()) / (double)hd);
    auto fr = at::outer(at::arange(L, f32()), inv);
    auto emb = at::cat({ fr, fr }, -1);
    auto c = emb.cos(), s = emb.sin();
    q = q * c + rotate_half(q) * s;
    k = k * c + rotate_half(k) * s;
}

at::Tensor attention(const Params &P, const std::string &pre, const at::Tensor &xq, const at::Tensor &xkv,
                     int heads, bool causal, bool use_rope)
{
    int64_t B = xq.size(0), Lq = xq.size(1), Lk = xkv.size(1), D = xq.size(2), hd = D / heads;
    auto q = lin(P, pre + "q_proj", xq).view({ B, Lq, heads, hd }).transpose(1, 2);
    auto k = lin(P, pre + "k_proj", xkv).view({ B, Lk, heads, hd }).transpose(1, 2);
    auto v = lin(P, pre + "v_proj", xkv).view({ B, Lk, heads, hd }).transpose(1, 2);
    if (use_rope)
        rope(q, k, (int)hd);
    auto s = at::matmul(q, k.transpose(-2, -1)) / std::sqrt((double)hd);
    if (causal) {
        auto mask = at::ones({ Lq, Lk }, at::TensorOptions().dtype(at::kBool)).triu(1);
        s = s.masked_fill(mask, -std::numeric_limits<float>::infinity());
    }
    auto o = at::matmul(at::softmax(s, -1), v).transpose(1, 2).reshape({ B, Lq, D });
    return lin(P, pre + "out_proj", o);
}

at::Tensor block(const Params &P, const std::string &pre, const at::Tensor &x, int heads)
{
    auto h = rmsnorm(x, get(P, pre + "norm1.weight"));
    auto y = x + attention(P, pre + "self_attn.", h, h, heads, true, true);
    auto g = rmsnorm(y, get(P, pre + "norm2.weight"));
    auto f = at::linear(at::silu(lin(P, pre + "ffn.w1", g, false)) * lin(P, pre + "ffn.w3", g, false),
                        get(P, pre + "ffn.w2.weight"));
    return y + f;
}

// ---- tokenizer -------------------------------------------------------------

struct Tokenizer {
    TokCfg c;
    Params P, B;

    void init(Rng &rng)
    {
        int d = c.d_model, K = c.s1 + c.s2;
        add_linear(P, rng, "embed", d, c.d_in, true);
        add_linear(P, rng, "head", c.d_in, d, true);
        for (int i = 0; i < c.n_enc - 1; i++)
            add_block(P, B, rng, "encoder." + std::to_string(i) + ".", d, c.ff_dim, c.n_heads);
        for (int i = 0; i < c.n_dec - 1; i++)
            add_block(P, B, rng, "decoder." + std::to_string(i) + ".", d, c.ff_dim, c.n_heads);
        add_linear(P, rng, "quant_embed", K, d, true);
        add_linear(P, rng, "post_quant_embed_pre", d, c.s1, true);
        add_linear(P, rng, "post_quant_embed", d, K, true);
        add_buffers();
    }
    void add_buffers()
    {
        int K = c.s1 + c.s2, hd = c.d_model / c.n_heads;
        auto inv = 1.0 / at::pow(10000.0, at::arange(0, hd, 2, f32()) / (double)hd);
        for (int i = 0; i < c.n_enc - 1; i++)
            B["encoder." + std::to_string(i) + ".self_attn.rotary.inv_freq"] = inv.clone();
        for (int i = 0; i < c.n_dec - 1; i++)
            B["decoder." + std::to_string(i) + ".self_attn.rotary.inv_freq"] = inv.clone();
        B["tokenizer.bsq.basis"] = at::pow(2, at::arange(K - 1, -1, -1, at::kLong));
        B["tokenizer.bsq.group_basis"] = at::pow(2, at::arange(c.group_size - 1, -1, -1, at::kLong));
    }

    // normalised pre-quantisation code [B, L, K]
    at::Tensor encode_z(const at::Tensor &x) const
    {
        auto z = lin(P, "embed", x);
        for (int i = 0; i < c.n_enc - 1; i++)
            z = block(P, "encoder." + std::to_string(i) + ".", z, c.n_heads);
        z = lin(P, "quant_embed", z);
        return z / z.norm(2, { -1 }, true).clamp_min(1e-12);
    }
    at::Tensor decode_q(const at::Tensor &q, const char *proj) const
    {
        auto z = lin(P, proj, q);
        for (int i = 0; i < c.n_dec - 1; i++)
            z = block(P, "decoder." + std::to_string(i) + ".", z, c.n_heads);
        return lin(P, "head", z);
    }

    // training loss: (mse_pre + mse_full + bsq) / 2; also returns the parts
    at::Tensor loss(const at::Tensor &x, double &recon, double &bsq_out) const
    {
        int K = c.s1 + c.s2, gs = c.group_size, G = K / gs;
        double qs = 1.0 / std::sqrt((double)K);
        auto z = encode_z(x);
        auto zhat = at::where(z > 0, at::ones_like(z), -at::ones_like(z));
        auto zq = (z + (zhat - z).detach()) * qs;
        // soft entropy (per-sample analytical, codebook over groups)
        std::vector<float> cb((size_t)(1 << gs) * gs);
        for (int j = 0; j < (1 << gs); j++)
            for (int col = 0; col < gs; col++)
                cb[(size_t)j * gs + col] = (float)((((j >> (gs - 1 - col)) & 1) ? 1.0 : -1.0) * qs);
        auto gcb = at::from_blob(cb.data(), { 1 << gs, gs }, f32()).clone();
        auto dz = z.reshape({ -1, G, gs });
        auto prob = at::softmax(2.0 * at::matmul(dz, gcb.t()), -1);   // -distance = 2 z.c
        auto p = at::sigmoid(-4.0 * z * qs);
        auto ent2 = -(p * at::log(p + 1e-8) + (1 - p) * at::log(1 - p + 1e-8));
        auto persample = ent2.sum(-1).mean();
        auto avg = prob.mean(0);
        auto cb_ent = (-(avg * at::log(avg + 1e-8)).sum(-1)).sum();
        auto commit = c.beta * ((zq.detach() - z).pow(2).sum(-1)).mean();
        auto bsq = commit + c.zeta * (c.gamma0 * persample - c.gamma * cb_ent);
        auto z_pre = decode_q(zq.narrow(-1, 0, c.s1), "post_quant_embed_pre");
        auto z_all = decode_q(zq, "post_quant_embed");
        auto rec = at::mse_loss(z_pre, x) + at::mse_loss(z_all, x);
        recon = rec.item<double>();
        bsq_out = bsq.item<double>();
        return (rec + bsq) / 2;
    }

    // indices (s1, s2), [B, L] int64
    void encode(const at::Tensor &x, at::Tensor &s1, at::Tensor &s2) const
    {
        auto bits = (encode_z(x) > 0).to(at::kLong);
        auto w1 = at::pow(2, at::arange(c.s1, at::kLong));
        auto w2 = at::pow(2, at::arange(c.s2, at::kLong));
        s1 = (bits.narrow(-1, 0, c.s1) * w1).sum(-1);
        s2 = (bits.narrow(-1, c.s1, c.s2) * w2).sum(-1);
    }
    at::Tensor decode(const at::Tensor &s1, const at::Tensor &s2) const
    {
        int K = c.s1 + c.s2, half = K / 2;
        auto m = at::pow(2, at::arange(half, at::kLong));
        auto b1 = at::bitwise_and(s1.unsqueeze(-1), m).ne(0);
        auto b2 = at::bitwise_and(s2.unsqueeze(-1), m).ne(0);
        auto q = (at::cat({ b1, b2 }, -1).to(at::kFloat) * 2 - 1) / std::sqrt((double)K);
        return decode_q(q, "post_quant_embed");
    }
};

// ---- predictor ---------------------------------------------------------------

const int TE_ROWS[5] = { 60, 24, 7, 32, 13 };
const char *const TE_NAMES[5] = { "minute_embed", "hour_embed", "weekday_embed", "day_embed", "month_embed" };

at::Tensor fixed_te(int rows, int d)
{
    auto w = at::zeros({ rows, d }, f32());
    auto pos = at::arange(rows, f32()).unsqueeze(1);
    auto div = (at::arange(0, d, 2, f32()) * -(std::log(10000.0) / d)).exp();
    w.slice(1, 0, d, 2).copy_(at::sin(pos * div));
    w.slice(1, 1, d, 2).copy_(at::cos(pos * div));
    return w;
}

struct Predictor {
    PredCfg c;
    Params P, B;

    void init(Rng &rng)
    {
        int d = c.d_model;
        double es = 1.0 / std::sqrt((double)d);
        P["embedding.emb_s1.weight"] = normal_tensor(rng, { 1 << c.s1, d }, es);
        P["embedding.emb_s2.weight"] = normal_tensor(rng, { 1 << c.s2, d }, es);
        add_linear(P, rng, "embedding.fusion_proj", d, 2 * d, true);
        for (int i = 0; i < 5; i++)
            P[std::string("time_emb.") + TE_NAMES[i] + ".weight"] =
                c.learn_te ? normal_tensor(rng, { TE_ROWS[i], d }, es) : fixed_te(TE_ROWS[i], d);
        for (int i = 0; i < c.n_layers; i++)
            add_block(P, B, rng, "transformer." + std::to_string(i) + ".", d, c.ff_dim, c.n_heads);
        P["norm.weight"] = at::ones({ d }, f32());
        for (const char *p : { "q_proj", "k_proj", "v_proj", "out_proj" })
            add_linear(P, rng, std::string("dep_layer.cross_attn.") + p, d, d, true);
        P["dep_layer.norm.weight"] = at::ones({ d }, f32());
        add_linear(P, rng, "head.proj_s1", 1 << c.s1, d, true);
        add_linear(P, rng, "head.proj_s2", 1 << c.s2, d, true);
        add_buffers();
    }
    void add_buffers()
    {
        int hd = c.d_model / c.n_heads, hd4 = c.d_model / 4;
        for (int i = 0; i < c.n_layers; i++)
            B["transformer." + std::to_string(i) + ".self_attn.rotary.inv_freq"] =
                1.0 / at::pow(10000.0, at::arange(0, hd, 2, f32()) / (double)hd);
        B["dep_layer.cross_attn.rotary.inv_freq"] = 1.0 / at::pow(10000.0, at::arange(0, hd4, 2, f32()) / (double)hd4);
    }
    bool trainable(const std::string &name) const
    {
        return c.learn_te || name.rfind("time_emb.", 0) != 0;
    }

    // normed hidden states [B, L, d]; s1 logits via head
    at::Tensor hidden(const at::Tensor &s1, const at::Tensor &s2, const at::Tensor &stamp) const
    {
        double sd = std::sqrt((double)c.d_model);
        auto e = at::cat({ at::embedding(get(P, "embedding.emb_s1.weight"), s1) * sd,
                           at::embedding(get(P, "embedding.emb_s2.weight"), s2) * sd }, -1);
        auto x = lin(P, "embedding.fusion_proj", e);
        for (int i = 0; i < 5; i++)
            x = x + at::embedding(get(P, std::string("time_emb.") + TE_NAMES[i] + ".weight"), stamp.select(-1, i));
        for (int i = 0; i < c.n_layers; i++)
            x = block(P, "transformer." + std::to_string(i) + ".", x, c.n_heads);
        return rmsnorm(x, get(P, "norm.weight"));
    }
    at::Tensor s1_logits(const at::Tensor &h) const { return lin(P, "head.proj_s1", h); }
    // s2 logits for queries s1q [B, Lq]: Lq == L: causal (training); Lq == 1: the last position
    at::Tensor s2_logits(const at::Tensor &h, const at::Tensor &s1q) const
    {
        auto sib = at::embedding(get(P, "embedding.emb_s1.weight"), s1q);
        bool causal = s1q.size(1) == h.size(1) && h.size(1) > 1;
        auto a = attention(P, "dep_layer.cross_attn.", sib, h, 4, causal, false);
        auto base = causal ? h : h.narrow(1, h.size(1) - 1, 1);
        return lin(P, "head.proj_s2", rmsnorm(base + a, get(P, "dep_layer.norm.weight")));
    }
};

// ---- checkpoints -----------------------------------------------------------

std::string dir_file(const std::string &dir, const char *f) { return dir + "/" + f; }

json_t *load_json(const std::string &path)
{
    json_error_t je;
    json_t *j = json_load_file(path.c_str(), 0, &je);
    if (!j)
        fail(msgf("%s:%d: %s", path.c_str(), je.line, je.text));
    if (!json_is_object(j)) {
        json_decref(j);
        fail(msgf(_("%s: not a JSON object"), path.c_str()));
    }
    return j;
}

int json_int(json_t *o, const std::string &path, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail(msgf(_("%s: key \"%s\" missing or not an integer"), path.c_str(), key));
    return (int)json_integer_value(v);
}

double json_num(json_t *o, const std::string &path, const char *key, double dflt)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return dflt;
    if (!json_is_number(v))
        fail(msgf(_("%s: key \"%s\" is not a number"), path.c_str(), key));
    return json_number_value(v);
}

// reads every F32 tensor of a safetensors file (I64 buffers are recomputed)
Params read_safetensors(const std::string &path)
{
    std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f)
        fail(msgf(_("%s: cannot open: %s"), path.c_str(), std::strerror(errno)));
    unsigned char l8[8];
    if (std::fread(l8, 1, 8, f.get()) != 8)
        fail(msgf(_("%s: truncated header length"), path.c_str()));
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++)
        hl |= (uint64_t)l8[i] << (8 * i);
    if (hl == 0 || hl > (100u << 20))
        fail(msgf(_("%s: implausible header length"), path.c_str()));
    std::string h(hl, '\0');
    if (std::fread(&h[0], 1, hl, f.get()) != hl)
        fail(msgf(_("%s: truncated header"), path.c_str()));
    json_error_t je;
    json_t *j = json_loadb(h.data(), h.size(), 0, &je);
    if (!j || !json_is_object(j)) {
        if (j)
            json_decref(j);
        fail(msgf(_("%s: header is not JSON: %s"), path.c_str(), je.text));
    }
    std::unique_ptr<json_t, void (*)(json_t *)> guard(j, json_decref);
    Params out;
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        if (!std::strcmp(key, "__metadata__"))
            continue;
        const char *dt = json_string_value(json_object_get(val, "dtype"));
        json_t *shape = json_object_get(val, "shape"), *offs = json_object_get(val, "data_offsets");
        if (!dt || !json_is_array(shape) || !json_is_array(offs) || json_array_size(offs) != 2)
            fail(msgf(_("%s: tensor %s: malformed header entry"), path.c_str(), key));
        if (std::strcmp(dt, "F32"))
            continue;
        std::vector<int64_t> shp;
        int64_t n = 1;
        for (size_t i = 0; i < json_array_size(shape); i++) {
            shp.push_back(json_integer_value(json_array_get(shape, i)));
            n *= shp.back();
        }
        uint64_t a = json_integer_value(json_array_get(offs, 0)), b = json_integer_value(json_array_get(offs, 1));
        if (b < a || b - a != (uint64_t)n * 4)
            fail(msgf(_("%s: tensor %s: data_offsets do not match the shape"), path.c_str(), key));
        std::vector<unsigned char> raw(b - a);
        if (std::fseek(f.get(), (long)(8 + hl + a), SEEK_SET) || std::fread(raw.data(), 1, raw.size(), f.get()) != raw.size())
            fail(msgf(_("%s: tensor %s: truncated data"), path.c_str(), key));
        std::vector<float> v((size_t)n);
        for (int64_t i = 0; i < n; i++) {
            uint32_t w = 0;
            for (int k = 0; k < 4; k++)
                w |= (uint32_t)raw[(size_t)i * 4 + k] << (8 * k);
            std::memcpy(&v[(size_t)i], &w, 4);
        }
        out[key] = at::from_blob(v.data(), shp, f32()).clone();
    }
    return out;
}

void adopt(Params &P, const Params &B, Params loaded, const std::string &path)
{
    for (auto &kv : P) {
        auto it = loaded.find(kv.first);
        if (it == loaded.end())
            fail(msgf(_("%s: tensor %s missing"), path.c_str(), kv.first.c_str()));
        if (it->second.sizes() != kv.second.sizes())
            fail(msgf(_("%s: tensor %s has the wrong shape"), path.c_str(), kv.first.c_str()));
        kv.second = it->second;
        loaded.erase(it);
    }
    for (auto &kv : loaded)
        if (!B.count(kv.first))
            fail(msgf(_("%s: unexpected tensor %s"), path.c_str(), kv.first.c_str()));
}

void load_tokenizer(Tokenizer &T, const std::string &dir)
{
    std::string cp = dir_file(dir, "config.json");
    json_t *j = load_json(cp);
    std::unique_ptr<json_t, void (*)(json_t *)> g(j, json_decref);
    TokCfg &c = T.c;
    c.d_in = json_int(j, cp, "d_in");
    c.d_model = json_int(j, cp, "d_model");
    c.n_heads = json_int(j, cp, "n_heads");
    c.ff_dim = json_int(j, cp, "ff_dim");
    c.n_enc = json_int(j, cp, "n_enc_layers");
    c.n_dec = json_int(j, cp, "n_dec_layers");
    c.s1 = json_int(j, cp, "s1_bits");
    c.s2 = json_int(j, cp, "s2_bits");
    c.group_size = json_int(j, cp, "group_size");
    c.beta = json_num(j, cp, "beta", 0.05);
    c.gamma0 = json_num(j, cp, "gamma0", 1.0);
    c.gamma = json_num(j, cp, "gamma", 1.1);
    c.zeta = json_num(j, cp, "zeta", 0.05);
    check_tok(c, cp);
    Rng rng(0);
    T.P.clear();
    T.B.clear();
    T.init(rng);
    std::string sp = dir_file(dir, "model.safetensors");
    adopt(T.P, T.B, read_safetensors(sp), sp);
}

void load_predictor(Predictor &M, const std::string &dir)
{
    std::string cp = dir_file(dir, "config.json");
    json_t *j = load_json(cp);
    std::unique_ptr<json_t, void (*)(json_t *)> g(j, json_decref);
    PredCfg &c = M.c;
    c.s1 = json_int(j, cp, "s1_bits");
    c.s2 = json_int(j, cp, "s2_bits");
    c.n_layers = json_int(j, cp, "n_layers");
    c.d_model = json_int(j, cp, "d_model");
    c.n_heads = json_int(j, cp, "n_heads");
    c.ff_dim = json_int(j, cp, "ff_dim");
    json_t *lt = json_object_get(j, "learn_te");
    if (!json_is_boolean(lt))
        fail(msgf(_("%s: key \"learn_te\" missing or not a boolean"), cp.c_str()));
    c.learn_te = json_is_true(lt);
    check_pred(c, cp);
    Rng rng(0);
    M.P.clear();
    M.B.clear();
    M.init(rng);
    std::string sp = dir_file(dir, "model.safetensors");
    adopt(M.P, M.B, read_safetensors(sp), sp);
}

void save_params(const Params &P, const Params &B, const std::string &path)
{
    std::vector<at::Tensor> keep;
    std::vector<std::string> names;
    std::vector<kt_st_tensor> ts;
    for (const Params *m : { &P, &B })
        for (auto &kv : *m) {
            names.push_back(kv.first);
            keep.push_back(kv.second.detach().contiguous());
        }
    for (size_t i = 0; i < keep.size(); i++) {
        kt_st_tensor t{};
        t.name = names[i].c_str();
        t.dtype = keep[i].scalar_type() == at::kLong ? KT_ST_I64 : KT_ST_F32;
        t.ndim = (int)keep[i].dim();
        for (int d = 0; d < t.ndim; d++)
            t.shape[d] = keep[i].size(d);
        t.data = keep[i].data_ptr();
        ts.push_back(t);
    }
    char err[512];
    if (kt_st_write(path.c_str(), ts.data(), ts.size(), err, sizeof err))
        fail(err);
}

void write_json(json_t *j, const std::string &path)
{
    std::string tmp = path + ".tmp";
    int rc = json_dump_file(j, tmp.c_str(), JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(j);
    if (rc || std::rename(tmp.c_str(), path.c_str()))
        fail(msgf(_("%s: cannot write"), path.c_str()));
}

void save_tokenizer(const Tokenizer &T, const std::string &dir)
{
    const TokCfg &c = T.c;
    json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:i, s:i, s:f, s:f, s:f, s:f, s:i}",
                          "d_in", c.d_in, "d_model", c.d_model, "n_heads", c.n_heads, "ff_dim", c.ff_dim,
                          "n_enc_layers", c.n_enc, "n_dec_layers", c.n_dec, "ffn_dropout_p", 0.0,
                          "attn_dropout_p", 0.0, "resid_dropout_p", 0.0, "s1_bits", c.s1, "s2_bits", c.s2,
                          "beta", c.beta, "gamma0", c.gamma0, "gamma", c.gamma, "zeta", c.zeta,
                          "group_size", c.group_size);
    write_json(j, dir_file(dir, "config.json"));
    save_params(T.P, T.B, dir_file(dir, "model.safetensors"));
}

void save_predictor(const Predictor &M, const std::string &dir)
{
    const PredCfg &c = M.c;
    json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:b}",
                          "s1_bits", c.s1, "s2_bits", c.s2, "n_layers", c.n_layers, "d_model", c.d_model,
                          "n_heads", c.n_heads, "ff_dim", c.ff_dim, "ffn_dropout_p", 0.0, "attn_dropout_p", 0.0,
                          "resid_dropout_p", 0.0, "token_dropout_p", 0.0, "learn_te", c.learn_te ? 1 : 0);
    write_json(j, dir_file(dir, "config.json"));
    save_params(M.P, M.B, dir_file(dir, "model.safetensors"));
}

// ---- data windows ------------------------------------------------------------

struct Windows {
    const kt_train_series *series;
    std::vector<std::pair<int, int>> idx;   // (series, start)
    int lookback, len;

    // x [B, len, 6] normalised; stamp [B, len, 5]
    void batch(Rng &rng, int bs, at::Tensor &x, at::Tensor &st) const
    {
        std::vector<float> xv((size_t)bs * len * 6);
        std::vector<int64_t> sv((size_t)bs * len * 5);
        for (int b = 0; b < bs; b++) {
            auto w = idx[rng.below(idx.size())];
            const kt_train_series &s = series[w.first];
            const double *r = s.ohlcva + (size_t)w.second * 6;
            for (int f = 0; f < 6; f++) {
                double m = 0, v = 0;
                for (int t = 0; t < lookback; t++)
                    m += r[t * 6 + f];
                m /= lookback;
                for (int t = 0; t < lookback; t++)
                    v += (r[t * 6 + f] - m) * (r[t * 6 + f] - m);
                double sd = std::sqrt(v / lookback);
                for (int t = 0; t < len; t++) {
                    double z = (r[t * 6 + f] - m) / (sd + 1e-5);
                    xv[((size_t)b * len + t) * 6 + f] = (float)std::fmin(5.0, std::fmax(-5.0, z));
                }
            }
            for (int t = 0; t < len; t++) {
                const kronos_stamp &k = s.stamps[w.second + t];
                int64_t *o = &sv[((size_t)b * len + t) * 5];
                o[0] = k.minute; o[1] = k.hour; o[2] = k.weekday; o[3] = k.day; o[4] = k.month;
            }
        }
        x = at::from_blob(xv.data(), { bs, len, 6 }, f32()).clone();
        st = at::from_blob(sv.data(), { bs, len, 5 }, at::TensorOptions().dtype(at::kLong)).clone();
    }
};

// ---- optimiser ---------------------------------------------------------------

struct AdamW {
    double b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
    long t = 0;
    std::map<std::string, std::pair<at::Tensor, at::Tensor>> state;

    void step(Params &P, const std::vector<std::string> &names, double lr, double clip)
    {
        at::NoGradGuard ng;
        t++;
        double total = 0.0;
        for (auto &n : names) {
            auto g = P[n].grad();
            if (g.defined())
                total += g.pow(2).sum().item<double>();
        }
        double scale = std::sqrt(total) > clip ? clip / (std::sqrt(total) + 1e-6) : 1.0;
        double c1 = 1.0 - std::pow(b1, (double)t), c2 = 1.0 - std::pow(b2, (double)t);
        for (auto &n : names) {
            at::Tensor &p = P[n];
            auto g = p.grad();
            if (!g.defined())
                continue;
            g = g * scale;
            auto &st = state[n];
            if (!st.first.defined()) {
                st.first = at::zeros_like(p);
                st.second = at::zeros_like(p);
            }
            st.first.mul_(b1).add_(g, 1 - b1);
            st.second.mul_(b2).addcmul_(g, g, 1 - b2);
            p.mul_(1 - lr * wd);
            auto denom = (st.second / c2).sqrt_().add_(eps);
            p.addcdiv_(st.first, denom, -lr / c1);
            p.mutable_grad().reset();
        }
    }
};

double lr_at(double base, int step, int total)
{
    int warm = std::max(1, total * 3 / 100);
    if (step < warm)
        return base * (0.1 + 0.9 * (double)(step + 1) / warm);
    double q = (double)(step - warm) / std::max(1, total - warm);
    return base * (0.01 + 0.99 * 0.5 * (1 + std::cos(M_PI * q)));
}

int64_t count(const Params &P)
{
    int64_t n = 0;
    for (auto &kv : P)
        n += kv.second.numel();
    return n;
}

void copy_err(char *err, size_t errlen, const std::string &m)
{
    if (err && errlen)
        std::snprintf(err, errlen, "%s", m.c_str());
}

void normalise(const double *x, int L, std::vector<float> &out, double mean[6], double sd[6], int len, int off)
{
    for (int f = 0; f < 6; f++) {
        double m = 0, v = 0;
        for (int t = 0; t < L; t++)
            m += x[t * 6 + f];
        m /= L;
        for (int t = 0; t < L; t++)
            v += (x[t * 6 + f] - m) * (x[t * 6 + f] - m);
        mean[f] = m;
        sd[f] = std::sqrt(v / L);
        for (int t = 0; t < L; t++)
            out[((size_t)off * len + t) * 6 + f] =
                (float)std::fmin(5.0, std::fmax(-5.0, (x[t * 6 + f] - m) / (sd[f] + 1e-5)));
    }
}

// Undo normalise(): z [n_series, len, 6] in normalised space -> out in
// price space, with each series' mean and population std.
void denormalise(const at::Tensor &z_in, int n_series, int len, const std::vector<double> &mean,
                 const std::vector<double> &sd, double *out)
{
    auto z = z_in.contiguous().to(at::kDouble);
    const double *zp = z.data_ptr<double>();
    for (int b = 0; b < n_series; b++)
        for (int t = 0; t < len; t++)
            for (int f = 0; f < 6; f++) {
                size_t o = ((size_t)b * len + t) * 6 + f;
                out[o] = zp[o] * (sd[(size_t)b * 6 + f] + 1e-5) + mean[(size_t)b * 6 + f];
            }
}

} // namespace

extern "C" void kt_train_config_defaults(kt_train_config *c)
{
    std::memset(c, 0, sizeof *c);
    c->tok = kronos_tokenizer_config{ 6, 64, 4, 128, 3, 3, 8, 8, 4 };
    c->pred = kronos_predictor_config{ 8, 8, 3, 128, 4, 256, 1 };
    c->beta = 0.05;
    c->gamma0 = 1.0;
    c->gamma = 1.1;
    c->zeta = 0.05;
    c->lookback = 252;
    c->horizon = 20;
    c->batch_size = 32;
    c->tok_steps = 300;
    c->pred_steps = 600;
    c->tok_lr = 2e-3;
    c->pred_lr = 1e-3;
    c->weight_decay = 0.1;
    c->seed = 42;
    c->threads = 0;
    c->log_every = 10;
}

extern "C" int kt_train_run(const kt_train_config *cfg, const kt_train_series *series, int n_series,
                            const char *tok_out, const char *pred_out,
                            kt_train_progress_fn progress, void *user, kt_train_result *res,
                            char *err, size_t errlen)
{
    try {
        if (cfg->threads > 0)
            at::set_num_threads(cfg->threads);
        if (cfg->lookback < 2 || cfg->horizon < 1 || cfg->batch_size < 1 || cfg->tok_steps < 0 || cfg->pred_steps < 0)
            fail(_("invalid training settings (lookback >= 2, horizon >= 1, batch size >= 1)"));
        kt_train_result r{};
        Rng init_rng(cfg->seed), tok_rng(cfg->seed ^ 0x746f6b656e697a65ULL), pred_rng(cfg->seed ^ 0x7072656469637472ULL);

        Tokenizer T;
        if (cfg->init_tokenizer) {
            load_tokenizer(T, cfg->init_tokenizer);
        } else {
            const kronos_tokenizer_config &k = cfg->tok;
            T.c.d_in = k.d_in; T.c.d_model = k.d_model; T.c.n_heads = k.n_heads; T.c.ff_dim = k.ff_dim;
            T.c.n_enc = k.n_enc_layers; T.c.n_dec = k.n_dec_layers; T.c.s1 = k.s1_bits; T.c.s2 = k.s2_bits;
            T.c.group_size = k.group_size;
            T.c.beta = cfg->beta; T.c.gamma0 = cfg->gamma0; T.c.gamma = cfg->gamma; T.c.zeta = cfg->zeta;
            check_tok(T.c, "tokenizer settings");
            T.init(init_rng);
        }
        Predictor M;
        if (cfg->init_predictor) {
            load_predictor(M, cfg->init_predictor);
        } else {
            const kronos_predictor_config &k = cfg->pred;
            M.c.s1 = k.s1_bits; M.c.s2 = k.s2_bits; M.c.n_layers = k.n_layers; M.c.d_model = k.d_model;
            M.c.n_heads = k.n_heads; M.c.ff_dim = k.ff_dim; M.c.learn_te = k.learn_te != 0;
            check_pred(M.c, "predictor settings");
            M.init(init_rng);
        }
        if (M.c.s1 != T.c.s1 || M.c.s2 != T.c.s2)
            fail(_("tokenizer and predictor disagree on s1_bits/s2_bits"));
        r.tokenizer_params = count(T.P);
        r.predictor_params = count(M.P);

        Windows W{ series, {}, cfg->lookback, cfg->lookback + cfg->horizon };
        for (int i = 0; i < n_series; i++)
            for (int s = 0; s + W.len <= series[i].n; s++)
                W.idx.emplace_back(i, s);
        r.windows = (long)W.idx.size();
        if ((cfg->tok_steps || cfg->pred_steps) && W.idx.empty())
            fail(msgf(_("no training window: every series is shorter than lookback + horizon = %lld bars"),
                      (long long)W.len));

        // ---- tokenizer stage
        {
            std::vector<std::string> names;
            for (auto &kv : T.P) {
                names.push_back(kv.first);
                kv.second.set_requires_grad(true);
            }
            AdamW opt;
            opt.wd = cfg->weight_decay;
            double first = 0, last = 0;
            int nf = 0, nl = 0;
            for (int step = 0; step < cfg->tok_steps; step++) {
                at::Tensor x, st;
                W.batch(tok_rng, cfg->batch_size, x, st);
                double rec, bsq;
                auto loss = T.loss(x, rec, bsq);
                loss.backward();
                double lr = lr_at(cfg->tok_lr, step, cfg->tok_steps);
                opt.step(T.P, names, lr, 2.0);
                double lv = loss.item<double>();
                if (!std::isfinite(lv))
                    fail(msgf(_("tokenizer loss is not finite at step %d"), step + 1));
                if (step < 10) { first += lv; nf++; }
                if (step >= cfg->tok_steps - 10) { last += lv; nl++; }
                if (progress && ((step + 1) % std::max(1, cfg->log_every) == 0 || step + 1 == cfg->tok_steps))
                    if (progress(user, "tokenizer", step + 1, cfg->tok_steps, lv, rec, bsq, lr))
                        fail(_("cancelled"));
            }
            r.tok_loss_first = nf ? first / nf : 0;
            r.tok_loss_last = nl ? last / nl : 0;
            for (auto &kv : T.P)
                kv.second = kv.second.detach();
        }
        if (tok_out)
            save_tokenizer(T, tok_out);

        // ---- predictor stage
        {
            std::vector<std::string> names;
            for (auto &kv : M.P)
                if (M.trainable(kv.first)) {
                    names.push_back(kv.first);
                    kv.second.set_requires_grad(true);
                }
            AdamW opt;
            opt.wd = cfg->weight_decay;
            double first = 0, last = 0;
            int nf = 0, nl = 0;
            int64_t L = W.len - 1;
            for (int step = 0; step < cfg->pred_steps; step++) {
                at::Tensor x, st, s1, s2;
                W.batch(pred_rng, cfg->batch_size, x, st);
                {
                    at::NoGradGuard ng;
                    T.encode(x, s1, s2);
                }
                auto in1 = s1.narrow(1, 0, L), in2 = s2.narrow(1, 0, L);
                auto t1 = s1.narrow(1, 1, L), t2 = s2.narrow(1, 1, L);
                auto h = M.hidden(in1, in2, st.narrow(1, 0, L));
                auto l1 = at::cross_entropy_loss(M.s1_logits(h).reshape({ -1, 1 << M.c.s1 }), t1.reshape({ -1 }));
                auto l2 = at::cross_entropy_loss(M.s2_logits(h, t1).reshape({ -1, 1 << M.c.s2 }), t2.reshape({ -1 }));
                auto loss = (l1 + l2) / 2;
                loss.backward();
                double lr = lr_at(cfg->pred_lr, step, cfg->pred_steps);
                opt.step(M.P, names, lr, 3.0);
                double lv = loss.item<double>();
                if (!std::isfinite(lv))
                    fail(msgf(_("predictor loss is not finite at step %d"), step + 1));
                if (step < 10) { first += lv; nf++; }
                if (step >= cfg->pred_steps - 10) { last += lv; nl++; }
                if (progress && ((step + 1) % std::max(1, cfg->log_every) == 0 || step + 1 == cfg->pred_steps))
                    if (progress(user, "predictor", step + 1, cfg->pred_steps, lv, l1.item<double>(), l2.item<double>(), lr))
                        fail(_("cancelled"));
            }
            r.pred_loss_first = nf ? first / nf : 0;
            r.pred_loss_last = nl ? last / nl : 0;
            for (auto &kv : M.P)
                kv.second = kv.second.detach();
        }
        if (pred_out)
            save_predictor(M, pred_out);
        if (res)
            *res = r;
        return 0;
    } catch (const std::exception &e) {
        copy_err(err, errlen, e.what());
        return -1;
    } catch (...) {
        copy_err(err, errlen, "unexpected error");
        return -1;
    }
}

extern "C" int kt_train_reconstruct(const char *tok_dir, int n_series, int len, const double *x,
                                    double *rec, char *err, size_t errlen)
{
    try {
        if (n_series < 1 || len < 2)
            fail(_("invalid reconstruction arguments"));
        at::NoGradGuard ng;
        Tokenizer T;
        load_tokenizer(T, tok_dir);
        std::vector<float> xv((size_t)n_series * len * 6);
        std::vector<double> mean((size_t)n_series * 6), sd((size_t)n_series * 6);
        for (int b = 0; b < n_series; b++)
            normalise(x + (size_t)b * len * 6, len, xv, &mean[(size_t)b * 6], &sd[(size_t)b * 6], len, b);
        auto xt = at::from_blob(xv.data(), { n_series, len, 6 }, f32()).clone();
        at::Tensor s1, s2;
        T.encode(xt, s1, s2);
        denormalise(T.decode(s1, s2), n_series, len, mean, sd, rec);
        return 0;
    } catch (const std::exception &e) {
        copy_err(err, errlen, e.what());
        return -1;
    } catch (...) {
        copy_err(err, errlen, "unexpected error");
        return -1;
    }
}
