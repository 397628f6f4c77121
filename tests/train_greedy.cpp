// train_greedy.cpp: test helper linked into tests/test_train: greedy
// forecasts with the training forward pass, to check it against the
// upstream reference and against the engine (kronos.h).
//
// The model's internals (src/model/model.hpp) are in the library; this file
// loads the checkpoints as training does, makes the weights require
// gradients, and decodes greedily through the whole-window, teacher-forced
// forward that training differentiates (no cache, no SIMD kernels), which
// the product does not need.
#include "config.h"

#include "../src/model/model.hpp"

#include <ATen/core/grad_mode.h>

#include <cmath>
#include <cstdio>

#include "train_greedy.h"

using namespace km;

namespace {

// Normalised inputs [n_series, lookback, 6] (window mean and population
// std, +-5 clip) and each series' statistics.
at::Tensor normalise(const double *x, int n_series, int lookback, std::vector<double> &mean, std::vector<double> &sd)
{
    at::Tensor xt = at::empty({n_series, lookback, 6}, F32);
    float *o = xt.data_ptr<float>();
    for (int b = 0; b < n_series; b++)
        for (int f = 0; f < 6; f++) {
            const double *r = x + (size_t)b * lookback * 6;
            double m = 0, v = 0;
            for (int t = 0; t < lookback; t++)
                m += r[t * 6 + f] / lookback;
            for (int t = 0; t < lookback; t++)
                v += (r[t * 6 + f] - m) * (r[t * 6 + f] - m) / lookback;
            mean[(size_t)b * 6 + f] = m;
            sd[(size_t)b * 6 + f] = std::sqrt(v);
            for (int t = 0; t < lookback; t++)
                o[((size_t)b * lookback + t) * 6 + f] =
                    (float)std::fmin(5.0, std::fmax(-5.0, (r[t * 6 + f] - m) / (std::sqrt(v) + 1e-5)));
        }
    return xt;
}

void greedy(const char *tok_dir, const char *pred_dir, int n_series, int lookback, const double *x,
            const kronos_stamp *x_stamp, const kronos_stamp *y_stamp, int pred_len, double *out)
{
    kronos_model m;
    int64_t n;
    read_config(tok_dir, m.tc);
    read_config(pred_dir, m.pc);
    m.tok = load_tokenizer(tok_dir, m.tc, &n);
    m.pred = load_predictor(pred_dir, m.pc, &n);
    for (const NamedTensor &t : all_tensors(&m))
        if (t.kind == Kind::Param)
            t.t->requires_grad_(true);
    at::AutoGradMode on(true);
    const int total = lookback + pred_len;
    std::vector<kronos_stamp> st((size_t)n_series * total);
    for (int b = 0; b < n_series; b++)
        for (int t = 0; t < total; t++)
            st[(size_t)b * total + t] = t < lookback ? x_stamp[(size_t)b * lookback + t]
                                                     : y_stamp[(size_t)b * pred_len + t - lookback];
    at::Tensor stamps = stamps_tensor(st.data(), (int64_t)n_series * total).view({n_series, total, 5});
    std::vector<double> mean((size_t)n_series * 6), sd((size_t)n_series * 6);
    at::Tensor s1, s2;
    tokenizer_encode(m.tok, m.tc, normalise(x, n_series, lookback, mean, sd), s1, s2);
    for (int i = 0; i < pred_len; i++) {
        const int64_t L = s1.size(1);
        at::Tensor h = predictor_hidden_full(m.pred, m.pc.d_model, s1, s2, stamps.narrow(1, 0, L));
        if (!h.requires_grad())
            fail(KRONOS_EINTERNAL, "the training forward did not record gradients");
        at::Tensor n1 = linear(m.pred.proj_s1, h.select(1, L - 1)).argmax(-1, true);
        at::Tensor q = at::cat({s1.narrow(1, 1, L - 1), n1}, 1);  // teacher forced: next s1 at each position
        at::Tensor n2 = predictor_s2_logits_full(m.pred, m.pc.d_model, h, q).select(1, L - 1).argmax(-1, true);
        s1 = at::cat({s1, n1}, 1);
        s2 = at::cat({s2, n2}, 1);
    }
    at::Tensor z = tokenizer_decode(m.tok, m.tc, s1, s2).narrow(1, lookback, pred_len);
    z = z.detach().contiguous().to(at::kDouble);
    const double *zp = z.data_ptr<double>();
    for (int b = 0; b < n_series; b++)
        for (int t = 0; t < pred_len; t++)
            for (int f = 0; f < 6; f++) {
                size_t o = ((size_t)b * pred_len + t) * 6 + f;
                out[o] = zp[o] * (sd[(size_t)b * 6 + f] + 1e-5) + mean[(size_t)b * 6 + f];
            }
}

}  // namespace

extern "C" int tt_train_forecast_greedy(const char *tok_dir, const char *pred_dir, int n_series, int lookback,
                                        const double *x, const kronos_stamp *x_stamp, const kronos_stamp *y_stamp,
                                        int pred_len, double *out, char *err, size_t errlen)
{
    try {
        if (n_series < 1 || lookback < 1 || pred_len < 1)
            fail(KRONOS_EINVAL, "invalid forecast arguments");
        greedy(tok_dir, pred_dir, n_series, lookback, x, x_stamp, y_stamp, pred_len, out);
        return 0;
    } catch (const KError &e) {
        std::snprintf(err, errlen, "%s", e.msg.c_str());
    } catch (const std::exception &e) {
        std::snprintf(err, errlen, "%s", e.what());
    } catch (...) {
        std::snprintf(err, errlen, "unexpected error");
    }
    return -1;
}
