// generate.cpp: sampling, the autoregressive generation over micro-batches
// and lanes, and kronos_forecast's input checks and normalisation.
//
// All series x samples of a call go through micro-batches sized from the
// memory budget; sampling uses one RNG stream per row (rng.h), so the
// batching never changes a result. While the window only grows the
// predictor keeps a KV cache; once it slides (positions restart), a full
// recompute.
#include "config.h"

#include "model.hpp"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "base/i18n.h"

namespace km {

// sample_from_logits: logits / T; top_k > 0 keeps the top k (top_p then not
// applied); else top_p < 1 keeps the nucleus (always the first token);
// softmax; multinomial. T == 0: argmax.
//
// The nucleus is the reference's: tokens by descending probability (ties
// by index, as a stable sort), cumulative sum, and every token after the
// first one whose sum exceeds top_p removed. Only that head is ordered
// (blocks of 32, 128, 512, ... tokens selected in linear time, then
// sorted; ties broken by index, so the order is total), and each exp is
// computed once; the sums run over the same values in the same order as
// a full sort would, so the draws are the same bit for bit.
//
// The order is kept as one 64-bit key per token, sorted as integers: the
// scaled logit is a float (logits[j] / T in single precision, then
// widened), so its bits fit the high half, flipped so that larger values
// come first, and the index the low half (ties by index). -0 is keyed as
// +0, since the two compare equal. An integer compare instead of two
// indirect double compares per step made the sampler about twice as fast.
namespace {
uint64_t nucleus_key(float v, int64_t j)
{
    uint32_t u;
    if (v == 0.0f)
        v = 0.0f;
    std::memcpy(&u, &v, sizeof u);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);  // ascending as unsigned
    return ((uint64_t)~u << 32) | (uint64_t)j;           // descending value, then ascending index
}
}  // namespace

int64_t sample_row(const float *logits, int64_t n, const kronos_sampling &s, kt_rng &rng, std::vector<double> &buf,
                   std::vector<uint64_t> &keys)
{
    if (s.temperature <= 0.0)
        return std::max_element(logits, logits + n) - logits;
    buf.resize(2 * n);
    double *x = buf.data(), *e = x + n;  // scaled logits, then exp(x - max)
    const float T = (float)s.temperature;
    for (int64_t j = 0; j < n; j++)
        x[j] = (double)(logits[j] / T);
    const double mx = *std::max_element(x, x + n);
    if (s.top_k > 0) {
        int64_t k = std::min<int64_t>(s.top_k, n);
        std::vector<double> sorted(x, x + n);
        std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<double>());
        double thr = sorted[k - 1];
        for (int64_t j = 0; j < n; j++)
            e[j] = x[j] < thr ? 0.0 : std::exp(x[j] - mx);
    } else {
        for (int64_t j = 0; j < n; j++)
            e[j] = std::exp(x[j] - mx);
        if (s.top_p < 1.0) {
            double tot = 0;
            for (int64_t j = 0; j < n; j++)
                tot += e[j];
            keys.resize(n);
            for (int64_t j = 0; j < n; j++)
                keys[j] = nucleus_key(logits[j] / T, j);
            auto token = [&keys](int64_t r) { return (int64_t)(keys[r] & 0xffffffffu); };
            double cum = 0;
            int64_t keep = n, sorted = 0;
            for (int64_t r = 0; r < n && keep == n; r++) {
                if (r == sorted) {  // order the next block of the head: select it, then sort it
                    int64_t upto = std::min<int64_t>(n, std::max<int64_t>(32, 4 * sorted));
                    if (upto < n)
                        std::nth_element(keys.begin() + sorted, keys.begin() + upto, keys.end());
                    std::sort(keys.begin() + sorted, keys.begin() + upto);
                    sorted = upto;
                }
                cum += e[token(r)] / tot;
                if (cum > s.top_p)
                    keep = r + 1;  // shifted right: this token stays
            }
            for (int64_t r = keep; r < n; r++)
                e[token(r)] = 0.0;  // the tail: keys[keep..] hold exactly the removed tokens
        }
    }
    double tot = 0;
    for (int64_t j = 0; j < n; j++)
        tot += e[j];
    double u = kt_rng_uniform(&rng) * tot, acc = 0;
    int64_t last = 0;
    for (int64_t j = 0; j < n; j++) {
        if (e[j] <= 0)
            continue;
        acc += e[j];
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

namespace {

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

// Work units for kronos_progress.work_*: row-tokens weighted by what they
// cost (their times on Kronos-small, 2 cores): a prefilled token 9 times an
// encoded or decoded one, a generated one 25 times (a step reads the whole
// KV cache for one token). They pace progress bars, nothing else.
constexpr int64_t W_CODE = 1, W_PREFILL = 9, W_STEP = 25;

// The weight of one predictor token in a step that runs n_new of them.
int64_t token_weight(int64_t n_new) { return n_new > 1 ? W_PREFILL : W_STEP; }

// The predictor tokens generation step i runs per row: the whole window
// (positions L0 + i - n .. L0 + i - 1) at the first step, without a KV
// cache, and once the window slides (positions restart); else the one new
// token after the cached ones.
int64_t step_tokens(const kronos_model *m, int64_t L0, int64_t i, int64_t mc)
{
    const int64_t cur = L0 + i, ws = std::max<int64_t>(0, cur - mc);
    return !m->kv_cache || ws > 0 || i == 0 ? cur - ws : 1;
}

// One row's work over a generation: the encode, every step and the decode.
int64_t row_work(const kronos_model *m, int64_t L0, int64_t P, int64_t mc)
{
    int64_t w = (L0 + std::min(L0 + P, mc)) * W_CODE;
    for (int64_t i = 0; i < P; i++) {
        const int64_t n_new = step_tokens(m, L0, i, mc);
        w += n_new * token_weight(n_new);
    }
    return w;
}

// Who reports progress and how lanes stop each other (see generate_lanes).
struct LaneCtl {
    kronos_progress_ex_fn progress = nullptr;  // set on lane 0 only
    void *user = nullptr;
    kronos_progress at{};  // the micro-batch's; step and work_done count what came before it
    int64_t mb_rows = 0;   // the whole micro-batch's rows (all lanes)
    std::atomic<bool> *stop = nullptr;  // another lane failed or was cancelled
    PredCache *kept = nullptr;           // this lane's KV cache between calls
    std::mutex *gate = nullptr;          // held by lane 0 while it reports (a pause)
    at::Tensor *tokens = nullptr;        // set: the generated ids [B, P, 2] (s1, s2)
};
struct LaneStopped {};

// The reference's auto_regressive_inference for rows [B] of normalised,
// clipped input x [B, L0, 6]; returns decoded forecasts [B, P, 6].
at::Tensor generate(const kronos_model *m, const at::Tensor &x, const at::Tensor &full_stamp,
                    const kronos_sampling &s, std::vector<kt_rng> &rngs, size_t rng0, const LaneCtl &ctl,
                    kronos_timing &tm)
{
    const int64_t B = x.size(0), L0 = x.size(1), P = s.pred_len, mc = s.max_context, d = m->pc.d_model;
    const int64_t total = L0 + P;
    // Progress: this lane's work so far; lane 0 reports it as its share of
    // the micro-batch's. At every report every lane passes the gate (held
    // by lane 0 while its callback blocks: a paused run) and checks the
    // stop flag.
    int64_t done = 0;
    int steps = 0;
    double held = 0;  // seconds in the callback or at the gate (a pause): not in the timings
    auto report = [&](int64_t units) {
        done += units;
        const double h0 = now_s();
        if (ctl.progress) {
            std::lock_guard<std::mutex> hold(*ctl.gate);
            kronos_progress p = ctl.at;
            p.step += steps;
            p.work_done += done * ctl.mb_rows / B;  // every row does the same work
            if (ctl.progress(ctl.user, &p))
                fail(KRONOS_ECANCELLED, _("cancelled"));
        } else if (ctl.gate) {
            std::lock_guard<std::mutex> wait_for_lane0(*ctl.gate);
        }
        held += now_s() - h0;
        if (ctl.stop && ctl.stop->load(std::memory_order_relaxed))
            throw LaneStopped{};
    };
    double t0 = now_s(), held0 = held;
    at::Tensor s1_ctx, s2_ctx;
    at::Tensor full_s1 = at::zeros({B, total}, I64), full_s2 = at::zeros({B, total}, I64);
    for (int64_t r0 = 0, cr = chunk_rows(L0); r0 < B; r0 += cr) {
        const int64_t nr = std::min(cr, B - r0);
        tokenizer_encode(m->tok, m->tc, x.narrow(0, r0, nr), s1_ctx, s2_ctx);
        full_s1.narrow(0, r0, nr).narrow(1, 0, L0).copy_(s1_ctx);
        full_s2.narrow(0, r0, nr).narrow(1, 0, L0).copy_(s2_ctx);
        report(nr * L0 * W_CODE);
    }
    double t1 = now_s();
    tm.encode_s += t1 - t0 - (held - held0);

    PredCache cache = reuse_pred_cache(*ctl.kept, m->pred, B, d, std::min(total, mc));
    std::vector<double> buf;
    std::vector<uint64_t> keys;
    std::vector<int64_t> ids(B);
    for (int64_t i = 0; i < P; i++) {
        double ts = now_s(), held_s0 = held;
        const int64_t cur = L0 + i, ws = std::max<int64_t>(0, cur - mc);
        const int64_t n_new = step_tokens(m, L0, i, mc), from = cur - n_new;
        cache.len = from - ws;  // the window's positions cached: 0 for a recompute
        // Prefills go through in row chunks (bounded activations, warm
        // allocator), reporting after each layer; single-token steps take
        // all rows at once.
        at::Tensor h_last = at::empty({B, d}, F32);
        for (int64_t r0 = 0, cr = n_new > 1 ? chunk_rows(n_new) : B; r0 < B; r0 += cr) {
            const int64_t nr = std::min(cr, B - r0), chunk = nr * n_new * token_weight(n_new);
            PredCache sub = cache.rows(r0, nr);
            LayerHook layer_done;
            if (n_new > 1)
                layer_done = [&](int64_t k, int64_t n) { report(chunk * k / n - chunk * (k - 1) / n); };
            at::Tensor h = predictor_hidden(m->pred, d, full_s1.narrow(0, r0, nr).narrow(1, from, n_new),
                                            full_s2.narrow(0, r0, nr).narrow(1, from, n_new),
                                            full_stamp.narrow(0, r0, nr).narrow(1, from, n_new), sub, layer_done);
            h_last.narrow(0, r0, nr).copy_(h.select(1, n_new - 1));
        }
        cache.len += n_new;
        at::Tensor l1 = linear(m->pred.proj_s1, h_last).contiguous();
        const int64_t V1 = l1.size(1);
        for (int64_t r = 0; r < B; r++)
            ids[r] = sample_row(l1.data_ptr<float>() + r * V1, V1, s, rngs[rng0 + r], buf, keys);
        at::Tensor s1_new = at::from_blob(ids.data(), {B}, I64).clone();
        at::Tensor l2 = predictor_s2_logits(m->pred, d, h_last, s1_new, cache).contiguous();
        const int64_t V2 = l2.size(1);
        for (int64_t r = 0; r < B; r++)
            ids[r] = sample_row(l2.data_ptr<float>() + r * V2, V2, s, rngs[rng0 + r], buf, keys);
        full_s1.select(1, cur).copy_(s1_new);
        full_s2.select(1, cur).copy_(at::from_blob(ids.data(), {B}, I64));
        double te = now_s() - (held - held_s0);
        if (n_new > 1) {
            tm.prefill_s += te - ts;
            tm.prefill_tokens += B * n_new;
        } else {
            tm.generate_s += te - ts;
            tm.step_tokens += B * n_new;
        }
        m->steps_done.fetch_add(1, std::memory_order_relaxed);
        steps = (int)i + 1;
        report(n_new > 1 ? 0 : B * n_new * token_weight(n_new));  // a prefill reported its layers
    }
    double t2 = now_s(), held2 = held;
    if (ctl.tokens)
        *ctl.tokens = at::stack({full_s1.narrow(1, L0, P), full_s2.narrow(1, L0, P)}, 2);
    // Final decode of the last min(total, max_context) tokens.
    const int64_t cs = std::max<int64_t>(0, total - mc);
    at::Tensor res = at::empty({B, P, 6}, F32);
    for (int64_t r0 = 0, cr = chunk_rows(total - cs); r0 < B; r0 += cr) {
        const int64_t nr = std::min(cr, B - r0);
        at::Tensor z = tokenizer_decode(m->tok, m->tc, full_s1.narrow(0, r0, nr).narrow(1, cs, total - cs),
                                        full_s2.narrow(0, r0, nr).narrow(1, cs, total - cs));
        res.narrow(0, r0, nr).copy_(z.narrow(1, z.size(1) - P, P));
        report(nr * (total - cs) * W_CODE);
    }
    tm.decode_s += now_s() - t2 - (held - held2);
    return res;
}

// A micro-batch's rows split over m->lanes lanes: each lane runs generate()
// on its own contiguous rows in its own thread, with libtorch and OpenBLAS
// single-threaded inside, and the calling thread is lane 0. Rows are
// independent (own RNG stream, own cache), so lanes need no
// synchronisation until the join; with one BLAS thread pool and one
// OpenMP pool spinning against each other on two cores, the shared-memory
// alternative spent most of its time in sched_yield. Lane 0 reports
// progress, holding a gate that every other lane passes at the end of
// each step, so a paused run (the callback blocks) pauses every lane at
// its next step; a lane that fails or is cancelled stops the others at
// their next step, and the first real error is rethrown after the join.
at::Tensor generate_lanes(kronos_model *m, const at::Tensor &x, const at::Tensor &full_stamp,
                          const kronos_sampling &s, std::vector<kt_rng> &rngs, size_t rng0,
                          kronos_progress_ex_fn progress, void *user, const kronos_progress &at,
                          at::Tensor *tokens)
{
    // At least two rows per lane: a one-row matrix product takes another
    // BLAS path (different rounding), and the bytes must not depend on the
    // thread count.
    const int64_t B = x.size(0), lanes = std::max<int64_t>(1, std::min<int64_t>(m->lanes, B / 2));
    std::atomic<bool> stop{false};
    std::mutex gate;
    std::vector<kronos_timing> tms((size_t)lanes, kronos_timing{});
    std::vector<at::Tensor> outs((size_t)lanes), toks((size_t)lanes);
    std::vector<std::exception_ptr> errs((size_t)lanes);
    if (m->kv_kept.size() < (size_t)lanes)
        m->kv_kept.resize((size_t)lanes);
    auto run = [&](int64_t k) {
        const int64_t r0 = B * k / lanes, r1 = B * (k + 1) / lanes;
        LaneCtl ctl;
        ctl.stop = &stop;
        ctl.kept = &m->kv_kept[(size_t)k];
        ctl.gate = &gate;
        if (tokens)
            ctl.tokens = &toks[(size_t)k];
        if (k == 0) {
            ctl.progress = progress;
            ctl.user = user;
            ctl.at = at;
            ctl.mb_rows = B;
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
    if (tokens)
        *tokens = at::cat(toks, 0);
    m->last_out = res;
    return res;
}

// KronosPredictor.predict_batch's input: volume/amount defaults, NaN check,
// then per series and column (x - mean) / (std + 1e-5) clipped to +-clip
// (population std of the float32 inputs).
void normalise_batch(const kronos_batch *in, double clip, std::vector<float> &xn, std::vector<double> &mean,
                     std::vector<double> &stdv)
{
    const int64_t N = in->n_series, L0 = in->lookback;
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
                xn[(i * L0 + t) * 6 + c] = (float)std::min(std::max(z, -clip), clip);
            }
        }
    }
}

}  // namespace

void forecast_impl(kronos_model *m, const kronos_batch *in, const kronos_sampling *sp, kronos_progress_ex_fn progress,
                   void *user, double *out, double *paths)
{
    if (!m || !in || !sp || (!out && !paths))
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
    normalise_batch(in, s.clip, xn, mean, stdv);

    // One RNG stream per row: series seed (series_seeds or seed + index), sample j.
    const int64_t R = N * S;
    std::vector<kt_rng> rngs((size_t)R);
    for (int64_t r = 0; r < R; r++) {
        int64_t i = r / S;
        uint64_t seed = in->series_seeds ? in->series_seeds[i] : s.seed + (uint64_t)i;
        kt_rng_seed_stream(&rngs[(size_t)r], seed, (uint64_t)(r % S));
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
    if (m->keep_tokens)
        m->last_tokens.assign((size_t)(R * P * 2), 0);
    kronos_progress at{};
    at.total_series = (int)N;
    at.micro_batches = (int)((R + mb - 1) / mb);
    at.steps = (int)(at.micro_batches * P);
    const int64_t rw = row_work(m, L0, P, s.max_context);
    at.work_total = R * rw;
    for (int64_t r0 = 0; r0 < R; r0 += mb) {
        const int64_t nb = std::min(mb, R - r0);
        at.done_series = (int)(r0 / S);
        at.micro_batch = (int)(r0 / mb) + 1;
        at.step = (int)((r0 / mb) * P);
        at.work_done = r0 * rw;
        at::Tensor series = at::arange(r0, r0 + nb, I64).div(S, "floor");  // row -> series
        at::Tensor x = x_all.index_select(0, series);
        at::Tensor st = at::cat({xs_all.index_select(0, series), ys_all.index_select(0, series)}, 1);
        at::Tensor toks;
        at::Tensor z = generate_lanes(m, x, st, s, rngs, (size_t)r0, progress, user, at,
                                      m->keep_tokens ? &toks : nullptr)
                           .contiguous();
        if (m->keep_tokens)
            memcpy(m->last_tokens.data() + r0 * P * 2, toks.contiguous().data_ptr<int64_t>(),
                   (size_t)(nb * P * 2) * sizeof(int64_t));
        const float *zp = z.data_ptr<float>();
        for (int64_t r = 0; r < nb; r++) {
            int64_t i = (r0 + r) / S;
            for (int64_t k = 0; k < P * 6; k++)
                acc[i * P * 6 + k] += zp[r * P * 6 + k];
        }
        // Each path in price space: row r0 + r is series i, sample (r0 + r) % S.
        if (paths)
            for (int64_t r = 0; r < nb; r++) {
                int64_t i = (r0 + r) / S;
                double *pp = paths + (r0 + r) * P * 6;
                for (int64_t t = 0; t < P; t++)
                    for (int c = 0; c < 6; c++)
                        pp[t * 6 + c] =
                            (double)zp[(r * P + t) * 6 + c] * (stdv[i * 6 + c] + 1e-5) + mean[i * 6 + c];
            }
        m->timing.micro_batches++;
        at.done_series = (int)((r0 + nb) / S);
        at.step += (int)P;
        at.work_done = (r0 + nb) * rw;
        if (progress && progress(user, &at))
            fail(KRONOS_ECANCELLED, _("cancelled"));
    }
    // Average the samples in normalised space, then undo the normalisation.
    for (int64_t i = 0; out && i < N; i++)
        for (int64_t t = 0; t < P; t++)
            for (int c = 0; c < 6; c++) {
                float avg = (float)(acc[(i * P + t) * 6 + c] / (double)S);
                out[(i * P + t) * 6 + c] = (double)avg * (stdv[i * 6 + c] + 1e-5) + mean[i * 6 + c];
            }
    m->timing.rows = R;
    m->timing.total_s = now_s() - t_start;
}

}  // namespace km
