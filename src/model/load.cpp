// load.cpp: weights from DIR/model.safetensors through the fuzzed reader
// (safetensors.c): every tensor the builders ask for must be there with
// its shape, and nothing else but the known buffers.
#include "config.h"

#include "model.hpp"

#include <set>

#include "base/i18n.h"
#include "model/modelcfg.h"
#include "model/safetensors.h"

namespace km {
namespace {

std::string shape_str(at::IntArrayRef s)
{
    std::string r = "[";
    for (size_t i = 0; i < s.size(); i++)
        r += (i ? "," : "") + std::to_string(s[i]);
    return r + "]";
}

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
    bool initialises() const override { return false; }
    void finish() override { check_all_used(); }

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

}  // namespace

std::unique_ptr<Source> file_source(const std::string &path) { return std::make_unique<FileSource>(path); }

void read_config(const std::string &dir, kronos_tokenizer_config &c)
{
    char e[512];
    int st = kt_modelcfg_tokenizer((dir + "/config.json").c_str(), &c, e, sizeof e);
    if (st != KRONOS_OK)
        fail(st, e);
}

void read_config(const std::string &dir, kronos_predictor_config &c)
{
    char e[512];
    int st = kt_modelcfg_predictor((dir + "/config.json").c_str(), &c, e, sizeof e);
    if (st != KRONOS_OK)
        fail(st, e);
}

Tokenizer load_tokenizer(const std::string &dir, const kronos_tokenizer_config &c, int64_t *params)
{
    FileSource src(dir + "/model.safetensors");
    Tokenizer t = build_tokenizer(src, c);
    *params = src.params;
    return t;
}

Predictor load_predictor(const std::string &dir, const kronos_predictor_config &c, int64_t *learned)
{
    FileSource src(dir + "/model.safetensors");
    return build_predictor(src, c, learned);
}

}  // namespace km
