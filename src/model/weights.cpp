// weights.cpp: the weight structs' builders and the walk over every tensor
// (see model.hpp). Random init and loading go through build_tokenizer /
// build_predictor with a Source; saving walks the same tensors.
#include "config.h"

#include "model.hpp"

#include <ATen/core/dispatch/Dispatcher.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "base/i18n.h"
#include "model/st_write.h"


namespace km {

void fail(int code, const std::string &msg) { throw KError{code, msg}; }

std::string strf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

const at::TensorOptions F32 = at::TensorOptions().dtype(at::kFloat).device(at::kCPU);
const at::TensorOptions I64 = at::TensorOptions().dtype(at::kLong).device(at::kCPU);

RandomSource::RandomSource(uint64_t seed) : gen(at::detail::createCPUGenerator(seed)) {}

at::Tensor RandomSource::get(const std::string &, std::vector<int64_t> shape, bool is_norm)
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

namespace {

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


}  // namespace

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
    // BSQ index bases (most significant bit first), int64 as upstream saves them.
    t.bsq_basis = at::pow(2, at::arange(cb - 1, -1, -1, I64));
    t.bsq_group_basis = at::pow(2, at::arange(c.group_size - 1, -1, -1, I64));
    s.allow_buffer("tokenizer.bsq.basis");
    s.allow_buffer("tokenizer.bsq.group_basis");
    s.finish();
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


namespace {

// w (and b) as oneDNN's int8 linear: symmetric, one scale for the matrix
// (max |w| / 127, zero point 0). One scale per output row would be finer,
// but libtorch 1.13's oneDNN path loses accuracy with it (measured: max
// error 0.35 against 0.05 of the dequantised weights on a 512x1536
// product); activations are quantised per call, over the whole range
// (no reduced range: it doubled the error).
Packed pack_int8(const at::Tensor &w, const at::Tensor &b)
{
    static auto prepack = c10::Dispatcher::singleton()
                              .findSchemaOrThrow("quantized::linear_prepack", "")
                              .typed<Packed(at::Tensor, c10::optional<at::Tensor>)>();
    double scale = std::max(w.abs().max().item<double>(), 1e-30) / 127.0;
    at::Tensor qw = at::quantize_per_tensor(w.contiguous(), scale, 0, at::kQInt8);
    return prepack.call(qw, b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt);
}

}  // namespace

void quantize_blocks(Predictor &p)
{
    const auto &engines = at::globalContext().supportedQEngines();
    if (std::find(engines.begin(), engines.end(), at::QEngine::ONEDNN) == engines.end())
        fail(KRONOS_EINVAL, _("precision int8 needs a libtorch built with oneDNN; this one has none"));
    at::globalContext().setQEngine(at::QEngine::ONEDNN);
    for (Block &b : p.layers) {
        b.attn.qkv.q = pack_int8(b.attn.qkv.w, b.attn.qkv.b);
        b.attn.out.q = pack_int8(b.attn.out.w, b.attn.out.b);
        b.q13 = pack_int8(b.w13, at::Tensor());
        b.q2 = pack_int8(b.w2, at::Tensor());
    }
}

std::vector<std::pair<std::string, const Packed *>> packed_weights(const Predictor &p)
{
    std::vector<std::pair<std::string, const Packed *>> out;
    for (size_t i = 0; i < p.layers.size(); i++) {
        const Block &b = p.layers[i];
        std::string n = "predictor transformer." + std::to_string(i) + ".";
        for (auto &e : {std::make_pair(n + "self_attn.{q,k,v}_proj int8", &b.attn.qkv.q),
                        std::make_pair(n + "self_attn.out_proj int8", &b.attn.out.q),
                        std::make_pair(n + "ffn.{w1,w3} int8", &b.q13), std::make_pair(n + "ffn.w2 int8", &b.q2)})
            if (*e.second)
                out.push_back(e);
    }
    return out;
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
        if (!c.learn_te && s.initialises())
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
    p.dep_inv_freq = rotary_inv_freq(d / 4);
    s.allow_buffer("dep_layer.cross_attn.rotary.inv_freq");
    p.dep_norm = s.get("dep_layer.norm.weight", {d}, true);
    p.proj_s1 = get_linear(s, "head.proj_s1", v1, d);
    p.proj_s2 = get_linear(s, "head.proj_s2", v2, d);
    *learned = s.params - (c.learn_te ? 0 : te_params);
    s.finish();
    return p;
}


// ---------------------------------------------------------------------------
// The walk.
namespace {
struct Walk {
    std::vector<NamedTensor> v;
    void add(const std::string &n, at::Tensor &t, Kind k = Kind::Param) { v.push_back({n, &t, k}); }
    void lin(const std::string &p, Linear &l)
    {
        add(p + ".weight", l.w);
        if (l.b.defined())
            add(p + ".bias", l.b);
    }
    void blk(const std::string &p, Block &b)
    {
        add(p + ".norm1.weight", b.norm1);
        add(p + ".norm2.weight", b.norm2);
        lin(p + ".self_attn.{q,k,v}_proj", b.attn.qkv);
        lin(p + ".self_attn.out_proj", b.attn.out);
        add(p + ".self_attn.rotary.inv_freq", b.attn.inv_freq, Kind::Buffer);
        add(p + ".ffn.{w1,w3}.weight", b.w13);
        add(p + ".ffn.w2.weight", b.w2);
    }
};
}  // namespace

std::vector<NamedTensor> tokenizer_tensors(Tokenizer &t)
{
    Walk w;
    w.lin("embed", t.embed);
    w.lin("head", t.head);
    w.lin("quant_embed", t.quant_embed);
    w.lin("post_quant_embed", t.post_quant_embed);
    w.lin("post_quant_embed_pre", t.post_quant_embed_pre);
    for (size_t i = 0; i < t.encoder.size(); i++)
        w.blk("encoder." + std::to_string(i), t.encoder[i]);
    for (size_t i = 0; i < t.decoder.size(); i++)
        w.blk("decoder." + std::to_string(i), t.decoder[i]);
    w.add("tokenizer.bsq.basis", t.bsq_basis, Kind::Saved);
    w.add("tokenizer.bsq.group_basis", t.bsq_group_basis, Kind::Saved);
    return w.v;
}

std::vector<NamedTensor> predictor_tensors(Predictor &p, bool learn_te)
{
    Walk w;
    const std::string te = learn_te ? ".weight" : ".emb.weight";
    const Kind tk = learn_te ? Kind::Param : Kind::Fixed;
    w.add("embedding.emb_s1.weight", p.emb_s1);
    w.add("embedding.emb_s2.weight", p.emb_s2);
    w.add("time_emb.minute_embed" + te, p.minute, tk);
    w.add("time_emb.hour_embed" + te, p.hour, tk);
    w.add("time_emb.weekday_embed" + te, p.weekday, tk);
    w.add("time_emb.day_embed" + te, p.day, tk);
    w.add("time_emb.month_embed" + te, p.month, tk);
    w.add("norm.weight", p.norm);
    w.add("dep_layer.norm.weight", p.dep_norm);
    w.lin("embedding.fusion_proj", p.fusion);
    w.lin("dep_layer.cross_attn.q_proj", p.dep_q);
    w.lin("dep_layer.cross_attn.k_proj", p.dep_k);
    w.lin("dep_layer.cross_attn.v_proj", p.dep_v);
    w.lin("dep_layer.cross_attn.out_proj", p.dep_o);
    w.add("dep_layer.cross_attn.rotary.inv_freq", p.dep_inv_freq, Kind::Saved);
    w.lin("head.proj_s1", p.proj_s1);
    w.lin("head.proj_s2", p.proj_s2);
    for (size_t i = 0; i < p.layers.size(); i++)
        w.blk("transformer." + std::to_string(i), p.layers[i]);
    return w.v;
}

std::vector<NamedTensor> all_tensors(const kronos_model *m)
{
    kronos_model *mm = const_cast<kronos_model *>(m);
    std::vector<NamedTensor> v;
    for (NamedTensor &n : tokenizer_tensors(mm->tok))
        v.push_back({"tokenizer " + n.name, n.t, n.kind});
    for (NamedTensor &n : predictor_tensors(mm->pred, m->pc.learn_te))
        v.push_back({"predictor " + n.name, n.t, n.kind});
    return v;
}

// "a.{q,k,v}_proj.weight" -> the names of its parts, in order.
static std::vector<std::string> part_names(const std::string &name)
{
    size_t a = name.find('{'), b = name.find('}');
    if (a == std::string::npos || b == std::string::npos)
        return {name};
    std::vector<std::string> out;
    std::string list = name.substr(a + 1, b - a - 1);
    for (size_t i = 0, j; i <= list.size(); i = j + 1) {
        j = list.find(',', i);
        if (j == std::string::npos)
            j = list.size();
        out.push_back(name.substr(0, a) + list.substr(i, j - i) + name.substr(b + 1));
    }
    return out;
}

void save_tensors(const std::vector<NamedTensor> &ts, const std::string &path)
{
    std::vector<std::string> names;
    std::vector<at::Tensor> keep;
    for (const NamedTensor &n : ts) {
        std::vector<std::string> parts = part_names(n.name);
        std::vector<at::Tensor> chunks = n.t->detach().chunk((int64_t)parts.size(), 0);
        for (size_t i = 0; i < parts.size(); i++) {
            names.push_back(parts[i]);
            keep.push_back(chunks[i].contiguous());
        }
    }
    std::vector<kt_st_tensor> st(keep.size());
    for (size_t i = 0; i < keep.size(); i++) {
        kt_st_tensor &t = st[i];
        t.name = names[i].c_str();
        t.dtype = keep[i].scalar_type() == at::kLong ? KT_ST_I64 : KT_ST_F32;
        t.ndim = (int)keep[i].dim();
        for (int d = 0; d < t.ndim; d++)
            t.shape[d] = keep[i].size(d);
        t.data = keep[i].data_ptr();
    }
    char err[512];
    if (kt_st_write(path.c_str(), st.data(), st.size(), err, sizeof err))
        fail(KRONOS_EIO, err);
}

}  // namespace km
