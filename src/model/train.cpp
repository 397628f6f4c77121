// train.cpp: Kronos tokenizer + predictor training on the CPU (see train.h).
//
// Only what is specific to training lives here: the initialiser, the BSQ
// training terms and the losses, AdamW, the LR schedule, the data windows
// and the loop. The model itself (weights, loading, saving, the forward
// pass with gradients) is the inference model of model.hpp.
#include "config.h"

#include "model/train.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/i18n.h"
#include "model.hpp"
#include "model/modelcfg.h"

namespace {

using namespace km;

// ---- parts -----------------------------------------------------------------

// Fresh weights as upstream Kronos._init_weights: xavier-normal linear
// weights, N(0, 1/d) embeddings, zero biases, unit norms; drawn from the
// project's RNG in the builders' order.
struct InitSource : Source {
    kt_rng rng;
    explicit InitSource(uint64_t seed) { kt_rng_seed(&rng, seed); }
    at::Tensor get(const std::string &name, std::vector<int64_t> shape, bool is_norm) override
    {
        at::Tensor x;
        if (is_norm)
            x = at::ones(shape, F32);
        else if (shape.size() == 1)
            x = at::zeros(shape, F32);
        else {
            bool emb = name.rfind("embedding.emb_s", 0) == 0 || name.rfind("time_emb.", 0) == 0;
            double sd = emb ? 1.0 / std::sqrt((double)shape[1]) : std::sqrt(2.0 / (double)(shape[0] + shape[1]));
            x = at::empty(shape, F32);
            float *p = x.data_ptr<float>();
            for (int64_t i = 0; i < x.numel(); i++)
                p[i] = (float)(kt_rng_normal(&rng) * sd);
        }
        params += x.numel();
        return x;
    }
    void allow_buffer(const std::string &) override {}
};

struct TokPart {
    kronos_tokenizer_config c{};
    Tokenizer t;
    int64_t params = 0;
    double bsq[4] = {0.05, 1.0, 1.1, 0.05};  // beta, gamma0, gamma, zeta
};

struct PredPart {
    kronos_predictor_config c{};
    Predictor p;
    int64_t params = 0;
};

void check(int st, const char *e)
{
    if (st != KRONOS_OK)
        fail(st, e);
}

void open_tokenizer(const kt_train_config *cfg, TokPart &T)
{
    const double w[4] = {cfg->beta, cfg->gamma0, cfg->gamma, cfg->zeta};
    std::memcpy(T.bsq, w, sizeof w);
    if (cfg->init_tokenizer) {
        read_config(cfg->init_tokenizer, T.c);
        T.t = load_tokenizer(cfg->init_tokenizer, T.c, &T.params);
        return;
    }
    char e[512];
    T.c = cfg->tok;
    check(kt_modelcfg_check_tokenizer(&T.c, "tokenizer settings", e, sizeof e), e);
    InitSource src(cfg->seed);
    T.t = build_tokenizer(src, T.c);
    T.params = src.params;
}

void open_predictor(const kt_train_config *cfg, PredPart &P)
{
    if (cfg->init_predictor) {
        read_config(cfg->init_predictor, P.c);
        P.p = load_predictor(cfg->init_predictor, P.c, &P.params);
        return;
    }
    char e[512];
    P.c = cfg->pred;
    check(kt_modelcfg_check_predictor(&P.c, "predictor settings", e, sizeof e), e);
    InitSource src(cfg->seed ^ 0x696e69742d707265ULL);
    P.p = build_predictor(src, P.c, &P.params);
}

// The learned tensors, switched to requiring gradients.
std::vector<at::Tensor *> trainable(std::vector<NamedTensor> ts)
{
    std::vector<at::Tensor *> out;
    for (NamedTensor &n : ts)
        if (n.kind == Kind::Param) {
            n.t->requires_grad_(true);
            out.push_back(n.t);
        }
    return out;
}

void freeze(const std::vector<at::Tensor *> &ps)
{
    for (at::Tensor *p : ps)
        *p = p->detach();
}

void save_tokenizer(const TokPart &T, const std::string &dir)
{
    char e[512];
    check(kt_modelcfg_write_tokenizer((dir + "/config.json").c_str(), &T.c, T.bsq, e, sizeof e), e);
    save_tensors(tokenizer_tensors(const_cast<Tokenizer &>(T.t)), dir + "/model.safetensors");
}

void save_predictor(const PredPart &P, const std::string &dir)
{
    char e[512];
    check(kt_modelcfg_write_predictor((dir + "/config.json").c_str(), &P.c, e, sizeof e), e);
    save_tensors(predictor_tensors(const_cast<Predictor &>(P.p), P.c.learn_te), dir + "/model.safetensors");
}

// ---- losses ----------------------------------------------------------------

// BSQ of the normalised code z with a straight-through sign; loss =
// commitment + zeta * (gamma0 * per-sample entropy - gamma * codebook
// entropy), the soft (grouped) entropies of upstream's BSQuantizer.
at::Tensor bsq_loss(const TokPart &T, const at::Tensor &z, at::Tensor &zq)
{
    const int K = T.c.s1_bits + T.c.s2_bits, gs = T.c.group_size, G = K / gs;
    const double qs = 1.0 / std::sqrt((double)K), beta = T.bsq[0], gamma0 = T.bsq[1], gamma = T.bsq[2],
                 zeta = T.bsq[3];
    at::Tensor zhat = at::where(z > 0, at::ones_like(z), -at::ones_like(z));
    zq = (z + (zhat - z).detach()) * qs;
    std::vector<float> cb((size_t)(1 << gs) * gs);
    for (int j = 0; j < (1 << gs); j++)
        for (int col = 0; col < gs; col++)
            cb[(size_t)j * gs + col] = (float)((((j >> (gs - 1 - col)) & 1) ? 1.0 : -1.0) * qs);
    at::Tensor gcb = at::from_blob(cb.data(), {1 << gs, gs}, F32).clone();
    at::Tensor prob = at::softmax(2.0 * at::matmul(z.reshape({-1, G, gs}), gcb.t()), -1);  // -distance = 2 z.c
    at::Tensor p = at::sigmoid(-4.0 * z * qs);
    at::Tensor persample = (-(p * at::log(p + 1e-8) + (1 - p) * at::log(1 - p + 1e-8))).sum(-1).mean();
    at::Tensor avg = prob.mean(0);
    at::Tensor cb_ent = (-(avg * at::log(avg + 1e-8)).sum(-1)).sum();
    at::Tensor commit = beta * ((zq.detach() - z).pow(2).sum(-1)).mean();
    return commit + zeta * (gamma0 * persample - gamma * cb_ent);
}

// (mse(s1-only reconstruction) + mse(full reconstruction) + BSQ) / 2.
at::Tensor tokenizer_loss(const TokPart &T, const at::Tensor &x, double &recon, double &bsq_out)
{
    at::Tensor z = tokenizer_code(T.t, x);
    z = z / z.norm(2, {-1}, true).clamp_min(1e-12);
    at::Tensor zq;
    at::Tensor bsq = bsq_loss(T, z, zq);
    at::Tensor rec = at::mse_loss(tokenizer_decode_code(T.t, zq.narrow(-1, 0, T.c.s1_bits), true), x) +
                     at::mse_loss(tokenizer_decode_code(T.t, zq, false), x);
    recon = rec.item<double>();
    bsq_out = bsq.item<double>();
    return (rec + bsq) / 2;
}

// (CE(s1) + CE(s2 | true s1)) / 2 over windows of L + 1 tokens, teacher forced.
at::Tensor predictor_loss(const PredPart &P, const at::Tensor &s1, const at::Tensor &s2, const at::Tensor &st,
                          double &ce1, double &ce2)
{
    const int64_t L = s1.size(1) - 1, d = P.c.d_model;
    at::Tensor t1 = s1.narrow(1, 1, L), t2 = s2.narrow(1, 1, L);
    at::Tensor h = predictor_hidden_full(P.p, d, s1.narrow(1, 0, L), s2.narrow(1, 0, L), st.narrow(1, 0, L));
    at::Tensor l1 = at::cross_entropy_loss(linear(P.p.proj_s1, h).reshape({-1, int64_t(1) << P.c.s1_bits}),
                                           t1.reshape({-1}));
    at::Tensor l2 = at::cross_entropy_loss(
        predictor_s2_logits_full(P.p, d, h, t1).reshape({-1, int64_t(1) << P.c.s2_bits}), t2.reshape({-1}));
    ce1 = l1.item<double>();
    ce2 = l2.item<double>();
    return (l1 + l2) / 2;
}

// ---- data windows ------------------------------------------------------------

// Mean and population std of column f over the first n bars of r [n][6].
void column_stats(const double *r, int n, int f, double &m, double &sd)
{
    double sum = 0, v = 0;
    for (int t = 0; t < n; t++)
        sum += r[t * 6 + f];
    m = sum / n;
    for (int t = 0; t < n; t++)
        v += (r[t * 6 + f] - m) * (r[t * 6 + f] - m);
    sd = std::sqrt(v / n);
}

struct Windows {
    const kt_train_series *series;
    std::vector<std::pair<int, int>> idx;  // (series, start)
    int lookback, len;

    // x [B, len, 6] normalised with the first lookback bars; stamp [B, len, 5]
    void batch(kt_rng &rng, int bs, at::Tensor &x, at::Tensor &st) const
    {
        std::vector<float> xv((size_t)bs * len * 6);
        std::vector<kronos_stamp> sv((size_t)bs * len);
        for (int b = 0; b < bs; b++) {
            auto w = idx[(uint64_t)(kt_rng_uniform_open(&rng) * (double)idx.size()) % idx.size()];
            const kt_train_series &s = series[w.first];
            const double *r = s.ohlcva + (size_t)w.second * 6;
            for (int f = 0; f < 6; f++) {
                double m, sd;
                column_stats(r, lookback, f, m, sd);
                for (int t = 0; t < len; t++) {
                    double z = (r[t * 6 + f] - m) / (sd + 1e-5);
                    xv[((size_t)b * len + t) * 6 + f] = (float)std::fmin(5.0, std::fmax(-5.0, z));
                }
            }
            std::memcpy(&sv[(size_t)b * len], s.stamps + w.second, sizeof(kronos_stamp) * len);
        }
        x = at::from_blob(xv.data(), {bs, len, 6}, F32).clone();
        st = stamps_tensor(sv.data(), (int64_t)bs * len).view({bs, len, 5});
    }
};

// ---- optimiser ---------------------------------------------------------------

struct AdamW {
    double b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
    long t = 0;
    std::vector<at::Tensor> m, v;

    // Clips the global gradient norm to `clip`, then one AdamW step.
    void step(const std::vector<at::Tensor *> &ps, double lr, double clip)
    {
        at::NoGradGuard ng;
        t++;
        double total = 0.0;
        for (at::Tensor *p : ps)
            if (p->grad().defined())
                total += p->grad().pow(2).sum().item<double>();
        double scale = std::sqrt(total) > clip ? clip / (std::sqrt(total) + 1e-6) : 1.0;
        double c1 = 1.0 - std::pow(b1, (double)t), c2 = 1.0 - std::pow(b2, (double)t);
        m.resize(ps.size());
        v.resize(ps.size());
        for (size_t i = 0; i < ps.size(); i++) {
            at::Tensor &p = *ps[i];
            at::Tensor g = p.grad();
            if (!g.defined())
                continue;
            g = g * scale;
            if (!m[i].defined()) {
                m[i] = at::zeros_like(p);
                v[i] = at::zeros_like(p);
            }
            m[i].mul_(b1).add_(g, 1 - b1);
            v[i].mul_(b2).addcmul_(g, g, 1 - b2);
            p.mul_(1 - lr * wd);
            p.addcdiv_(m[i], (v[i] / c2).sqrt_().add_(eps), -lr / c1);
            p.mutable_grad().reset();
        }
    }
};

// Linear warm-up over the first 3 % of steps from 0.1x, then cosine to 0.01x.
double lr_at(double base, int step, int total)
{
    int warm = std::max(1, total * 3 / 100);
    if (step < warm)
        return base * (0.1 + 0.9 * (double)(step + 1) / warm);
    double q = (double)(step - warm) / std::max(1, total - warm);
    return base * (0.01 + 0.99 * 0.5 * (1 + std::cos(M_PI * q)));
}

// ---- the loop ------------------------------------------------------------------

// One stage's bookkeeping: the means of the first and last 10 losses and
// the progress callback.
struct Stage {
    const char *name;
    int steps;
    const kt_train_config *cfg;
    kt_train_progress_fn progress;
    void *user;
    double first = 0, last = 0;
    int nf = 0, nl = 0;

    void record(int step, double loss, double l1, double l2, double lr)
    {
        if (!std::isfinite(loss))
            fail(KRONOS_EINTERNAL, !std::strcmp(name, "tokenizer")
                                       ? strf(_("tokenizer loss is not finite at step %d"), step + 1)
                                       : strf(_("predictor loss is not finite at step %d"), step + 1));
        if (step < 10) {
            first += loss;
            nf++;
        }
        if (step >= steps - 10) {
            last += loss;
            nl++;
        }
        if (progress && ((step + 1) % std::max(1, cfg->log_every) == 0 || step + 1 == steps))
            if (progress(user, name, step + 1, steps, loss, l1, l2, lr))
                fail(KRONOS_ECANCELLED, _("cancelled"));
    }
    double mean_first() const { return nf ? first / nf : 0; }
    double mean_last() const { return nl ? last / nl : 0; }
};

void train_tokenizer(TokPart &T, const Windows &W, const kt_train_config *cfg, Stage &S)
{
    kt_rng rng;
    kt_rng_seed(&rng, cfg->seed ^ 0x746f6b656e697a65ULL);
    std::vector<at::Tensor *> ps = trainable(tokenizer_tensors(T.t));
    AdamW opt;
    opt.wd = cfg->weight_decay;
    for (int step = 0; step < cfg->tok_steps; step++) {
        at::Tensor x, st;
        W.batch(rng, cfg->batch_size, x, st);
        double rec, bsq;
        at::Tensor loss = tokenizer_loss(T, x, rec, bsq);
        loss.backward();
        double lr = lr_at(cfg->tok_lr, step, cfg->tok_steps);
        opt.step(ps, lr, 2.0);
        S.record(step, loss.item<double>(), rec, bsq, lr);
    }
    freeze(ps);
}

void train_predictor(PredPart &P, const TokPart &T, const Windows &W, const kt_train_config *cfg, Stage &S)
{
    kt_rng rng;
    kt_rng_seed(&rng, cfg->seed ^ 0x7072656469637472ULL);
    std::vector<at::Tensor *> ps = trainable(predictor_tensors(P.p, P.c.learn_te));
    AdamW opt;
    opt.wd = cfg->weight_decay;
    for (int step = 0; step < cfg->pred_steps; step++) {
        at::Tensor x, st, s1, s2;
        W.batch(rng, cfg->batch_size, x, st);
        {
            at::NoGradGuard ng;
            tokenizer_encode(T.t, T.c, x, s1, s2);
        }
        double ce1, ce2;
        at::Tensor loss = predictor_loss(P, s1, s2, st, ce1, ce2);
        loss.backward();
        double lr = lr_at(cfg->pred_lr, step, cfg->pred_steps);
        opt.step(ps, lr, 3.0);
        S.record(step, loss.item<double>(), ce1, ce2, lr);
    }
    freeze(ps);
}

Windows make_windows(const kt_train_config *cfg, const kt_train_series *series, int n_series)
{
    Windows W{series, {}, cfg->lookback, cfg->lookback + cfg->horizon};
    for (int i = 0; i < n_series; i++)
        for (int s = 0; s + W.len <= series[i].n; s++)
            W.idx.emplace_back(i, s);
    if ((cfg->tok_steps || cfg->pred_steps) && W.idx.empty())
        fail(KRONOS_EINVAL, strf(_("no training window: every series is shorter than lookback + horizon = %lld bars"),
                                 (long long)W.len));
    return W;
}

void run(const kt_train_config *cfg, const kt_train_series *series, int n_series, const char *tok_out,
         const char *pred_out, kt_train_progress_fn progress, void *user, kt_train_result *res)
{
    if (cfg->threads > 0)
        at::set_num_threads(cfg->threads);
    if (cfg->lookback < 2 || cfg->horizon < 1 || cfg->batch_size < 1 || cfg->tok_steps < 0 || cfg->pred_steps < 0)
        fail(KRONOS_EINVAL, _("invalid training settings (lookback >= 2, horizon >= 1, batch size >= 1)"));
    TokPart T;
    open_tokenizer(cfg, T);
    PredPart P;
    open_predictor(cfg, P);
    char e[512];
    check(kt_modelcfg_pair(&T.c, &P.c, "predictor settings", e, sizeof e), e);
    Windows W = make_windows(cfg, series, n_series);

    Stage st{"tokenizer", cfg->tok_steps, cfg, progress, user};
    train_tokenizer(T, W, cfg, st);
    if (tok_out)
        save_tokenizer(T, tok_out);
    Stage sp{"predictor", cfg->pred_steps, cfg, progress, user};
    train_predictor(P, T, W, cfg, sp);
    if (pred_out)
        save_predictor(P, pred_out);
    if (res) {
        *res = kt_train_result{};
        res->tok_loss_first = st.mean_first();
        res->tok_loss_last = st.mean_last();
        res->pred_loss_first = sp.mean_first();
        res->pred_loss_last = sp.mean_last();
        res->windows = (long)W.idx.size();
        res->tokenizer_params = T.params;
        res->predictor_params = P.params;
    }
}

// f() with every exception turned into -1 and a message.
template <class F> int guarded(char *err, size_t errlen, F f)
{
    std::string msg;
    try {
        f();
        return 0;
    } catch (const KError &e) {
        msg = e.msg;
    } catch (const std::exception &e) {
        msg = e.what();
    } catch (...) {
        msg = "unexpected error";
    }
    if (err && errlen)
        std::snprintf(err, errlen, "%s", msg.c_str());
    return -1;
}

}  // namespace

extern "C" void kt_train_config_defaults(kt_train_config *c)
{
    std::memset(c, 0, sizeof *c);
    c->tok = kronos_tokenizer_config{6, 64, 4, 128, 3, 3, 8, 8, 4};
    c->pred = kronos_predictor_config{8, 8, 3, 128, 4, 256, 1};
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
                            const char *tok_out, const char *pred_out, kt_train_progress_fn progress, void *user,
                            kt_train_result *res, char *err, size_t errlen)
{
    return guarded(err, errlen, [&] { run(cfg, series, n_series, tok_out, pred_out, progress, user, res); });
}

extern "C" int kt_train_reconstruct(const char *tok_dir, int n_series, int len, const double *x, double *rec,
                                    char *err, size_t errlen)
{
    return guarded(err, errlen, [&] {
        if (n_series < 1 || len < 2)
            fail(KRONOS_EINVAL, _("invalid reconstruction arguments"));
        at::NoGradGuard ng;
        TokPart T;
        read_config(tok_dir, T.c);
        T.t = load_tokenizer(tok_dir, T.c, &T.params);
        // each window normalised over its own len bars, as a training window
        kt_train_series s{"", len, nullptr, nullptr};
        std::vector<kronos_stamp> stamps((size_t)len);
        for (int b = 0; b < n_series; b++) {
            s.ohlcva = x + (size_t)b * len * 6;
            s.stamps = stamps.data();
            Windows W{&s, {{0, 0}}, len, len};
            kt_rng unused;
            kt_rng_seed(&unused, 0);
            at::Tensor xt, st, s1, s2;
            W.batch(unused, 1, xt, st);
            tokenizer_encode(T.t, T.c, xt, s1, s2);
            at::Tensor z = tokenizer_decode(T.t, T.c, s1, s2).contiguous().to(at::kDouble);
            const double *zp = z.data_ptr<double>(), *r = s.ohlcva;
            for (int f = 0; f < 6; f++) {
                double m, sd;
                column_stats(r, len, f, m, sd);
                for (int t = 0; t < len; t++)
                    rec[((size_t)b * len + t) * 6 + f] = zp[t * 6 + f] * (sd + 1e-5) + m;
            }
        }
    });
}
