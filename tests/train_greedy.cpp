// train_greedy.cpp: test helper linked into tests/test_train: greedy
// forecasts with the training-side forward pass, to check it against the
// upstream reference and against the engine (kronos.h).
//
// The training-side model (Tokenizer, Predictor, their checkpoint loaders,
// normalise/denormalise) is internal to src/train.cpp, so this file compiles
// src/train.cpp itself into the test and adds the greedy decode loop, which
// the product does not need. The test program links this object instead of
// the library's train.o (every symbol train.o exports is defined here first).
#include "../src/train.cpp"

#include "train_greedy.h"

extern "C" int tt_train_forecast_greedy(const char *tok_dir, const char *pred_dir, int n_series,
                                        int lookback, const double *x,
                                        const kronos_stamp *x_stamp, const kronos_stamp *y_stamp,
                                        int pred_len, double *out, char *err, size_t errlen)
{
    try {
        if (n_series < 1 || lookback < 1 || pred_len < 1)
            fail("invalid forecast arguments");
        at::NoGradGuard ng;
        Tokenizer T;
        load_tokenizer(T, tok_dir);
        Predictor M;
        load_predictor(M, pred_dir);
        int total = lookback + pred_len;
        std::vector<float> xv((size_t)n_series * lookback * 6);
        std::vector<double> mean((size_t)n_series * 6), sd((size_t)n_series * 6);
        std::vector<int64_t> sv((size_t)n_series * total * 5);
        for (int b = 0; b < n_series; b++) {
            normalise(x + (size_t)b * lookback * 6, lookback, xv, &mean[(size_t)b * 6],
                      &sd[(size_t)b * 6], lookback, b);
            for (int t = 0; t < total; t++) {
                const kronos_stamp &k = t < lookback ? x_stamp[(size_t)b * lookback + t]
                                                     : y_stamp[(size_t)b * pred_len + t - lookback];
                int64_t *o = &sv[((size_t)b * total + t) * 5];
                o[0] = k.minute;
                o[1] = k.hour;
                o[2] = k.weekday;
                o[3] = k.day;
                o[4] = k.month;
            }
        }
        auto xt = at::from_blob(xv.data(), { n_series, lookback, 6 }, f32()).clone();
        auto st = at::from_blob(sv.data(), { n_series, total, 5 },
                                at::TensorOptions().dtype(at::kLong)).clone();
        at::Tensor s1, s2;
        T.encode(xt, s1, s2);
        for (int i = 0; i < pred_len; i++) {
            int64_t L = s1.size(1);
            auto h = M.hidden(s1, s2, st.narrow(1, 0, L));
            auto n1 = M.s1_logits(h).select(1, L - 1).argmax(-1, true);
            auto n2 = M.s2_logits(h, n1).select(1, 0).argmax(-1, true);
            s1 = at::cat({ s1, n1 }, 1);
            s2 = at::cat({ s2, n2 }, 1);
        }
        denormalise(T.decode(s1, s2).narrow(1, lookback, pred_len), n_series, pred_len, mean, sd,
                    out);
        return 0;
    } catch (const std::exception &e) {
        copy_err(err, errlen, e.what());
        return -1;
    } catch (...) {
        copy_err(err, errlen, "unexpected error");
        return -1;
    }
}
