// api.cpp: the C API of kronos.h and kronos_internal.h. Every entry point
// runs its body through guarded(): no exception crosses into C. Threads,
// the allocator and the device check live here too.
#include "config.h"

#include "model.hpp"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/i18n.h"
#include "model/blas.h"
#include "model/modelcfg.h"

namespace km {

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
    if (!kronos_precision_name(m->opt.precision))
        fail(KRONOS_EINVAL, _("unknown precision (expected fp32 or int8)"));
    const int dl = default_lanes().load();  // also puts libtorch and OpenBLAS at one thread
    m->lanes = m->opt.threads > 0 ? m->opt.threads : dl;
    int64_t total = 0;
    for (const NamedTensor &n : all_tensors(m))
        if (n.kind != Kind::Saved)
            total += n.t->numel();
    m->bytes = total * 4;
    if (m->opt.precision == KRONOS_INT8)
        quantize_blocks(m->pred);
}

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

void fill_runtime(kronos_device_status *st, int lanes)
{
    memset(st, 0, sizeof *st);
    snprintf(st->device, sizeof st->device, "cpu");
    st->intra_threads = lanes;
    kt_blas_describe(st);  // BLAS library, kernel and SIMD level
}

at::Tensor ids_tensor(const int64_t *p, int L) { return at::from_blob((void *)p, {1, L}, I64).clone(); }

}  // namespace
}  // namespace km

using namespace km;

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

const char *kronos_precision_name(int p)
{
    switch (p) {
    case KRONOS_FP32: return "fp32";
    case KRONOS_INT8: return "int8";
    }
    return nullptr;
}

int kronos_precision_parse(const char *name)
{
    if (name && strcmp(name, "fp32") == 0)
        return KRONOS_FP32;
    if (name && strcmp(name, "int8") == 0)
        return KRONOS_INT8;
    return -1;
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
        read_config(m->tok_dir, m->tc);
        read_config(m->pred_dir, m->pc);
        char e[512];
        int st = kt_modelcfg_pair(&m->tc, &m->pc, (m->pred_dir + "/config.json").c_str(), e, sizeof e);
        if (st != KRONOS_OK)
            fail(st, e);
        m->tok = load_tokenizer(m->tok_dir, m->tc, &m->tok_params);
        m->pred = load_predictor(m->pred_dir, m->pc, &m->pred_params);
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
        int st;
        if ((st = kt_modelcfg_check_tokenizer(tc, "(random)", e, sizeof e)) != KRONOS_OK ||
            (st = kt_modelcfg_check_predictor(pc, "(random)", e, sizeof e)) != KRONOS_OK ||
            (st = kt_modelcfg_pair(tc, pc, "(random)", e, sizeof e)) != KRONOS_OK)
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
        snprintf(st->precision, sizeof st->precision, "%s", kronos_precision_name(m->opt.precision));
        st->params = m->tok_params + m->pred_params;
        st->bytes = m->bytes;
        std::vector<NamedTensor> ts = all_tensors(m);
        if (m->last_out.defined())
            ts.push_back({"last_forecast_output", &m->last_out, Kind::Buffer});
        for (const NamedTensor &n : ts) {
            if (n.kind == Kind::Saved)
                continue;
            const at::Tensor *t = n.t;
            st->tensors_checked++;
            if (!t->defined() || !t->device().is_cpu() || !t->is_cpu()) {
                snprintf(st->violation, sizeof st->violation, _("tensor %s is on %s, not the CPU"),
                         n.name.c_str(), t->defined() ? t->device().str().c_str() : "nothing");
                fail(KRONOS_EDEVICE, st->violation);
            }
        }
        for (const auto &p : packed_weights(m->pred)) {  // precision int8: the int8 copies too
            at::Tensor w = std::get<0>((*p.second)->unpack());
            st->tensors_checked++;
            if (!w.device().is_cpu()) {
                snprintf(st->violation, sizeof st->violation, _("tensor %s is on %s, not the CPU"),
                         p.first.c_str(), w.device().str().c_str());
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

namespace {
// The series-count callback on top of the step-level one.
struct SeriesProgress {
    kronos_progress_fn fn;
    void *user;
};
int series_progress(void *user, const kronos_progress *p)
{
    const SeriesProgress *sp = static_cast<const SeriesProgress *>(user);
    return sp->fn(sp->user, p->done_series, p->total_series);
}
}  // namespace

int kronos_forecast(kronos_model *m, const kronos_batch *in, const kronos_sampling *s, kronos_progress_fn progress,
                    void *user, double *out, kronos_error *err)
{
    return kronos_forecast_paths(m, in, s, progress, user, out, nullptr, err);
}

int kronos_forecast_paths(kronos_model *m, const kronos_batch *in, const kronos_sampling *s,
                          kronos_progress_fn progress, void *user, double *out, double *paths, kronos_error *err)
{
    SeriesProgress sp{progress, user};
    return guarded(err, [&] {
        forecast_impl(m, in, s, progress ? series_progress : nullptr, progress ? &sp : nullptr, out, paths);
    });
}

int kronos_forecast_ex(kronos_model *m, const kronos_batch *in, const kronos_sampling *s,
                       kronos_progress_ex_fn progress, void *user, double *out, double *paths, kronos_error *err)
{
    return guarded(err, [&] { forecast_impl(m, in, s, progress, user, out, paths); });
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

long long kronos_debug_steps(const kronos_model *m) { return m ? m->steps_done.load() : 0; }

void kronos_debug_keep_tokens(kronos_model *m, int enable)
{
    if (m)
        m->keep_tokens = enable != 0;
}

size_t kronos_debug_last_tokens(const kronos_model *m, int64_t *out, size_t max)
{
    if (!m)
        return 0;
    const size_t n = m->last_tokens.size();
    if (out)
        memcpy(out, m->last_tokens.data(), std::min(n, max) * sizeof *out);
    return n;
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

int kronos_debug_train_forward(kronos_model *m, const float *x, const int64_t *s1, const int64_t *s2,
                               const kronos_stamp *stamps, int L, int64_t s1_cond, int64_t *enc_s1, int64_t *enc_s2,
                               float *dec, float *s1_logits, float *s2_logits, int *grad_ok, kronos_error *err)
{
    return guarded(err, [&] {
        if (!m || !x || !s1 || !s2 || !stamps || L < 1 || !enc_s1 || !enc_s2 || !dec || !s1_logits || !s2_logits ||
            !grad_ok)
            fail(KRONOS_EINVAL, _("NULL argument"));
        check_stamps(stamps, L, "x", 0, L);
        c10::InferenceMode off(false);
        at::AutoGradMode on(true);
        kronos_model g;  // the weights as training holds them
        g.tc = m->tc;
        g.pc = m->pc;
        g.tok = m->tok;
        g.pred = m->pred;
        std::vector<at::Tensor *> params;
        for (const NamedTensor &n : all_tensors(&g)) {
            *n.t = n.t->clone();
            if (n.kind == Kind::Param && n.name.find("post_quant_embed_pre") == std::string::npos)
                params.push_back(&const_cast<at::Tensor &>(n.t->requires_grad_(true)));
        }
        at::Tensor z = tokenizer_code(g.tok, at::from_blob((void *)x, {1, L, 6}, F32).clone()), a, b;
        code_to_ids(g.tc, z, a, b);
        at::Tensor i1 = ids_tensor(s1, L), i2 = ids_tensor(s2, L);
        at::Tensor rec = tokenizer_decode(g.tok, g.tc, i1, i2);
        at::Tensor h = predictor_hidden_full(g.pred, g.pc.d_model, i1, i2, stamps_tensor(stamps, L).view({1, L, 5}));
        at::Tensor l1 = linear(g.pred.proj_s1, h.select(1, L - 1));
        at::Tensor q = i1.clone();
        q.select(1, L - 1).fill_(s1_cond);
        at::Tensor l2 = predictor_s2_logits_full(g.pred, g.pc.d_model, h, q).select(1, L - 1);
        bool ok = z.requires_grad() && rec.requires_grad() && l1.requires_grad() && l2.requires_grad();
        (z.sum() + rec.sum() + l1.sum() + l2.sum()).backward();
        for (at::Tensor *p : params)
            ok = ok && p->grad().defined() && p->grad().abs().sum().item<double>() > 0;
        *grad_ok = ok;
        memcpy(enc_s1, a.contiguous().data_ptr<int64_t>(), sizeof(int64_t) * L);
        memcpy(enc_s2, b.contiguous().data_ptr<int64_t>(), sizeof(int64_t) * L);
        memcpy(dec, rec.detach().contiguous().data_ptr<float>(), sizeof(float) * L * 6);
        memcpy(s1_logits, l1.detach().contiguous().data_ptr<float>(), sizeof(float) * l1.numel());
        memcpy(s2_logits, l2.detach().contiguous().data_ptr<float>(), sizeof(float) * l2.numel());
    });
}

int kronos_debug_sample(const float *logits, int n, const kronos_sampling *s, uint64_t seed, uint64_t stream,
                        int count, int64_t *out, kronos_error *err)
{
    return guarded(err, [&] {
        if (!logits || !s || !out || n < 1 || count < 0 || !(s->temperature >= 0) || s->top_k < 0 ||
            !(s->top_p > 0 && s->top_p <= 1.0))
            fail(KRONOS_EINVAL, _("invalid sampling settings (n >= 1; T >= 0; top_k >= 0; 0 < top_p <= 1)"));
        kt_rng rng;
        kt_rng_seed_stream(&rng, seed, stream);
        std::vector<double> buf;
        std::vector<uint64_t> keys;
        for (int i = 0; i < count; i++)
            out[i] = sample_row(logits, n, *s, rng, buf, keys);
    });
}

int kronos_debug_attend_diff(int hd, int T, uint64_t seed)
{
    if (hd < 1 || hd > 1024 || T < 1 || T > 100000)
        return -1;
    kt_rng rng;
    kt_rng_seed_stream(&rng, seed, 0);
    std::vector<float> q((size_t)hd), k((size_t)T * hd), v((size_t)T * hd), o1((size_t)hd), o2((size_t)hd),
        w((size_t)T);
    for (float &x : q)
        x = (float)kt_rng_normal(&rng);
    for (float &x : k)
        x = (float)kt_rng_normal(&rng);
    for (float &x : v)
        x = (float)kt_rng_normal(&rng);
    const float scale = (float)(1.0 / std::sqrt((double)hd));
    km::attend_row(q.data(), k.data(), v.data(), o1.data(), T, hd, scale, w.data());
    km::attend_row_generic(q.data(), k.data(), v.data(), o2.data(), T, hd, scale, w.data());
    return (int)std::count_if(o1.begin(), o1.end(), [&](const float &a) {
        return memcmp(&a, &o2[(size_t)(&a - o1.data())], sizeof a) != 0;
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
