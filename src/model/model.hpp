// model.hpp: the Kronos model inside src/model/ (libtorch; never included
// from C). One set of weight structs, one walk over every tensor, one
// forward pass; inference (api.cpp, generate.cpp) and training (train.cpp)
// both use them.
//
//  weights.cpp   structs, builders (random init / loading go through a
//                Source), the tensor walk, checkpoint saving
//  load.cpp      FileSource: loading through the fuzzed safetensors.c
//  forward.cpp   kernels and forward: the SIMD/KV-cache kernels with
//                gradients off, plain differentiable ops with them on
//  generate.cpp  sampling, autoregressive generation, kronos_forecast
//  api.cpp       the C API of kronos.h / kronos_internal.h, guarded()
//  train.cpp     losses, BSQ training terms, AdamW, windows, the loop
#ifndef KT_MODEL_HPP
#define KT_MODEL_HPP

#include <ATen/ATen.h>
#include <ATen/native/quantized/PackedParams.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.h"
#include "model/kronos.h"
#include "model/kronos_internal.h"

namespace km {

// ---------------------------------------------------------------------------
// Errors: thrown inside, turned into a status at the C boundary.
struct KError {
    int code;
    std::string msg;
};
[[noreturn]] void fail(int code, const std::string &msg);
// printf into a std::string: whole translatable sentences, never fragments.
__attribute__((format(printf, 1, 2))) std::string strf(const char *fmt, ...);

extern const at::TensorOptions F32;
extern const at::TensorOptions I64;

// ---------------------------------------------------------------------------
// Weights.
// A matrix with int8 weights (kronos_options.precision KRONOS_INT8):
// oneDNN's packing of w and b; empty in fp32 (the default).
using Packed = c10::intrusive_ptr<LinearPackedParamsBase>;

struct Linear {
    at::Tensor w, b;  // b undefined when the layer has no bias
    Packed q;         // set: inference multiplies by the int8 copy of w
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
    Packed q13, q2;  // their int8 copies (precision int8 only)
};

struct Tokenizer {
    Linear embed, head, quant_embed, post_quant_embed, post_quant_embed_pre;
    std::vector<Block> encoder, decoder;
    at::Tensor bsq_basis, bsq_group_basis;  // int64 buffers of the checkpoint (not used by the forward)
};

struct Predictor {
    at::Tensor emb_s1, emb_s2;
    Linear fusion;
    at::Tensor minute, hour, weekday, day, month;  // temporal tables
    std::vector<Block> layers;
    at::Tensor norm;
    Linear dep_q, dep_k, dep_v, dep_o;  // dep_layer.cross_attn, 4 heads
    at::Tensor dep_inv_freq;            // its rotary buffer (unused: see predictor_hidden)
    at::Tensor dep_norm;
    Linear proj_s1, proj_s2;
};

// Where weights come from: a checkpoint file or an initialiser. `get` is
// called once per checkpoint tensor, in the builders' order.
struct Source {
    virtual ~Source() = default;
    virtual at::Tensor get(const std::string &name, std::vector<int64_t> shape, bool is_norm) = 0;
    virtual void allow_buffer(const std::string &name) = 0;
    // Fresh weights (no file): fixed tables are computed, not read.
    virtual bool initialises() const { return true; }
    // After the build: a file must have had no tensor left over.
    virtual void finish() {}
    int64_t params = 0;
};

// N(0, 1/fan_in) linear weights, N(0, 0.02) others, unit norms, zero biases
// (libtorch's generator): kronos_open_random's models.
struct RandomSource : Source {
    at::Generator gen;
    explicit RandomSource(uint64_t seed);
    at::Tensor get(const std::string &, std::vector<int64_t> shape, bool is_norm) override;
    void allow_buffer(const std::string &) override {}
};

// DIR/model.safetensors through safetensors.c (load.cpp), strictly checked.
std::unique_ptr<Source> file_source(const std::string &path);

Tokenizer build_tokenizer(Source &s, const kronos_tokenizer_config &c);
// *learned: parameters without the fixed (not learned) time tables.
Predictor build_predictor(Source &s, const kronos_predictor_config &c, int64_t *learned);
at::Tensor fixed_table(int64_t rows, int64_t d);
// precision int8: int8 copies of the predictor blocks' matrices (q/k/v,
// out, w1/w3, w2); the fp32 weights stay (training, the device check,
// saving). KRONOS_EINVAL when this libtorch has no oneDNN.
void quantize_blocks(Predictor &p);
// Every int8 copy, named after its matrix (for the device check).
std::vector<std::pair<std::string, const Packed *>> packed_weights(const Predictor &p);

// A checkpoint directory (load.cpp): DIR/config.json through modelcfg.c,
// then DIR/model.safetensors for that config.
void read_config(const std::string &dir, kronos_tokenizer_config &c);
void read_config(const std::string &dir, kronos_predictor_config &c);
Tokenizer load_tokenizer(const std::string &dir, const kronos_tokenizer_config &c, int64_t *params);
Predictor load_predictor(const std::string &dir, const kronos_predictor_config &c, int64_t *learned);

// The walk over every tensor: each with its checkpoint name; the fused
// q/k/v and w1/w3 matrices are named after their parts
// ("x.self_attn.{q,k,v}_proj.weight"), split again when saved.
// Learned / fixed time table / recomputed buffer / a buffer that is only
// saved (no computation reads it: the device check and sizes skip it).
enum class Kind { Param, Fixed, Buffer, Saved };
struct NamedTensor {
    std::string name;
    at::Tensor *t;
    Kind kind;
};
std::vector<NamedTensor> tokenizer_tensors(Tokenizer &t);
std::vector<NamedTensor> predictor_tensors(Predictor &p, bool learn_te);
// DIR/model.safetensors through st_write.c (brace names split into parts).
void save_tensors(const std::vector<NamedTensor> &ts, const std::string &path);

// ---------------------------------------------------------------------------
// Forward (forward.cpp). With gradients enabled and a parameter or input
// that requires them, every function takes plain differentiable ops; else
// the SIMD kernels and the KV cache.
bool grad_path(const at::Tensor &x, const at::Tensor &w);
at::Tensor linear(const Linear &l, const at::Tensor &x);
at::Tensor rmsnorm(const at::Tensor &x, const at::Tensor &w);
at::Tensor attend(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, int64_t pos0);
at::Tensor attend_one(const at::Tensor &q, const at::Tensor &kc, const at::Tensor &vc, int64_t T);
at::Tensor blocks_full(const std::vector<Block> &blocks, at::Tensor x);

// Tokenizer: pre-quantisation code z [B, L, s1+s2] (not normalised), its
// bits as ids, and the decoder from a (possibly soft) code q.
at::Tensor tokenizer_code(const Tokenizer &t, const at::Tensor &x);
void code_to_ids(const kronos_tokenizer_config &c, const at::Tensor &z, at::Tensor &s1, at::Tensor &s2);
void tokenizer_encode(const Tokenizer &t, const kronos_tokenizer_config &c, const at::Tensor &x, at::Tensor &s1,
                      at::Tensor &s2);
// pre: decode the s1 half only (post_quant_embed_pre), q [B, L, s1_bits].
at::Tensor tokenizer_decode_code(const Tokenizer &t, const at::Tensor &q, bool pre);
at::Tensor tokenizer_decode(const Tokenizer &t, const kronos_tokenizer_config &c, const at::Tensor &s1,
                            const at::Tensor &s2);

struct Rope {
    at::Tensor cos, sin;  // [len, head_dim]
};
struct KV {
    at::Tensor k, v;
};
struct PredCache {
    std::vector<KV> layers;
    at::Tensor dep_k, dep_v;  // dep_layer key/value projections [B, 4, cap, d/4]
    int64_t len = 0;          // window positions held
    Rope rope;
    // The same cache restricted to rows r0..r0+n-1 (views: writes go through).
    PredCache rows(int64_t r0, int64_t n) const;
};
// Rows per chunk so that a chunk holds about 2048 tokens.
int64_t chunk_rows(int64_t L);
PredCache new_pred_cache(const Predictor &p, int64_t B, int64_t d, int64_t cap);
// A cache of B rows and capacity cap from `kept` (its first B rows) when it
// is large enough, else a new one that replaces it; len 0 either way.
PredCache reuse_pred_cache(PredCache &kept, const Predictor &p, int64_t B, int64_t d, int64_t cap);
// decode_s1 over new window positions (cached): normed hidden states [B, L, d].
// after_layer (may be empty) is called with k after the k-th of the n layers.
using LayerHook = std::function<void(int64_t k, int64_t n)>;
at::Tensor predictor_hidden(const Predictor &p, int64_t d, const at::Tensor &s1, const at::Tensor &s2,
                            const at::Tensor &stamp, PredCache &c, const LayerHook &after_layer = LayerHook());
// decode_s2 at the last position against the cache.
at::Tensor predictor_s2_logits(const Predictor &p, int64_t d, const at::Tensor &h_last, const at::Tensor &s1_ids,
                               const PredCache &c);
// The full sequence without cache (training, teacher forced): hidden states
// [B, L, d]; s2 logits [B, L, V2] for the s1 ids s1q [B, L] of each
// position, the dependency layer causal and without RoPE (see train.h).
at::Tensor predictor_hidden_full(const Predictor &p, int64_t d, const at::Tensor &s1, const at::Tensor &s2,
                                 const at::Tensor &stamp);
at::Tensor predictor_s2_logits_full(const Predictor &p, int64_t d, const at::Tensor &h, const at::Tensor &s1q);

// ---------------------------------------------------------------------------
// Single-query attention of one (row, head) over T cached keys/values
// (forward.cpp; w: T floats of scratch). attend_row picks a fixed-size
// kernel for head sizes 16/32/64/128, attend_row_generic works for any;
// same bits.
void attend_row(const float *qp, const float *kp, const float *vp, float *op, int64_t T, int64_t hd, float scale,
                float *w);
void attend_row_generic(const float *qp, const float *kp, const float *vp, float *op, int64_t T, int64_t hd,
                        float scale, float *w);
// Sampling (generate.cpp): one RNG stream per row (series x sample).
int64_t sample_row(const float *logits, int64_t n, const kronos_sampling &s, kt_rng &rng, std::vector<double> &buf,
                   std::vector<uint64_t> &keys);
double now_s();

}  // namespace km

// ---------------------------------------------------------------------------
// The model handle of kronos.h.
struct kronos_model {
    kronos_tokenizer_config tc{};
    kronos_predictor_config pc{};
    km::Tokenizer tok;
    km::Predictor pred;
    kronos_options opt{};
    bool kv_cache = true;
    int64_t tok_params = 0, pred_params = 0, bytes = 0;
    std::string tok_dir, pred_dir;
    at::Tensor last_out;
    kronos_timing timing{};
    int lanes = 1;  // compute threads (generate_lanes)
    // Each lane's KV cache, kept from one micro-batch and call to the next:
    // its pages are touched once per process instead of once per date (in
    // a VM the first touch of 1.1 GB cost about 1 s of a 30 s date).
    // Bounded by the largest micro-batch; freed by kronos_close.
    std::vector<km::PredCache> kv_kept;
    mutable std::atomic<long long> steps_done{0};  // every lane's finished steps (kronos_debug_steps)
    bool keep_tokens = false;                       // kronos_debug_keep_tokens
    std::vector<int64_t> last_tokens;               // the last call's generated ids [rows][pred_len][2]
};

namespace km {
// Every tensor of the model, named "tokenizer embed.weight", "predictor norm.weight".
std::vector<NamedTensor> all_tensors(const kronos_model *m);
void forecast_impl(kronos_model *m, const kronos_batch *in, const kronos_sampling *sp, kronos_progress_ex_fn progress,
                   void *user, double *out, double *paths);
void check_stamps(const kronos_stamp *st, int64_t n, const char *what, int64_t series, int64_t len);
at::Tensor stamps_tensor(const kronos_stamp *st, int64_t n);
std::atomic<int> &default_lanes();
void openblas_threads(int n);
}  // namespace km

#endif  // KT_MODEL_HPP
