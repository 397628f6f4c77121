/* cmd_device.c: `kronos-tui device`: print the device status, asserting
 * the CPU; exit KT_EXIT_DEVICE on any violation. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "base/numparse.h"
#include "cli/commands.h"
#include "model/blas.h"
#include "model/hub.h"
#include "model/kronos.h"

static void device_usage(FILE *out)
{
    fputs(_("Usage: kronos-tui device [--tokenizer DIR|ID --model DIR|ID [--revision REV]]\n"
            "         [--threads N]\n"
            "Print the device status (asserting CPU): device, intra-op threads, BLAS, SIMD\n"
            "level and, with a checkpoint, every parameter and buffer checked.\n"
            "Exit status: 0 ok, 2 usage, 4 model, 5 a tensor is off the CPU or the check failed,\n"
            "6 the model cache cannot be written, 8 the Hugging Face Hub failed.\n"),
          out);
}

static void print_status(const kronos_device_status *st)
{
    printf(_("device status (asserting CPU)\n"));
    printf(_("  device:          %s\n"), st->device);
    printf(_("  verified:        %s\n"), st->verified ? _("yes") : _("NO"));
    printf(_("  tensors checked: %lld\n"), (long long)st->tensors_checked);
    printf(_("  intra threads:   %d\n"), st->intra_threads);
    printf(_("  BLAS:            %s%s\n"), st->blas, st->blas_is_reference ? _(" (slow reference BLAS!)") : "");
    char kernel[128], warn[512];
    kt_blas_kernel_label(st, kernel, sizeof kernel);
    printf(_("  BLAS kernel:     %s\n"), kernel);
    printf(_("  SIMD:            %s\n"), st->simd);
    printf(_("  parameters:      %lld\n"), (long long)st->params);
    printf(_("  bytes:           %lld\n"), (long long)st->bytes);
    if (st->violation[0])
        printf(_("  violation:       %s\n"), st->violation);
    if (kt_blas_warning(st, warn, sizeof warn))
        fprintf(stderr, _("kronos-tui device: warning: %s\n"), warn);
}

int kt_cmd_device(int argc, char **argv)
{
    static const struct option opts[] = {{"tokenizer", required_argument, NULL, 't'},
                                         {"model", required_argument, NULL, 'm'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"revision", required_argument, NULL, 'R'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *tok = NULL, *model = NULL, *revision = NULL;
    long threads = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 't': tok = optarg; break;
        case 'm': model = optarg; break;
        case 'R': revision = optarg; break;
        case 'j': {
            if (kt_parse_long(optarg, 1, 4096, &threads) != 0) {
                fprintf(stderr, _("kronos-tui device: --threads: expected an integer in [1, 4096], got \"%s\"\n"),
                        optarg);
                return KT_EXIT_USAGE;
            }
            break;
        }
        case 'h': device_usage(stdout); return KT_EXIT_OK;
        default: device_usage(stderr); return KT_EXIT_USAGE;
        }
    }
    if (optind < argc || (!tok) != (!model)) {
        device_usage(stderr);
        return KT_EXIT_USAGE;
    }
    kronos_device_status st;
    if (!tok) {
        if (threads > 0)
            kronos_set_threads(NULL, (int)threads);
        kronos_runtime_status(&st);
        print_status(&st);
        return st.verified ? KT_EXIT_OK : KT_EXIT_DEVICE;
    }
    kt_hub_ref hub[2]; /* repo ids: the cache, else the Hub (hub.h) */
    int hrc = kt_hub_resolve_args("kronos-tui device", &tok, &model, revision, hub);
    if (hrc != KT_EXIT_OK)
        return hrc;
    kronos_options o = {0};
    o.threads = (int)threads;
    kronos_model *m = NULL;
    kronos_error e;
    int rc = kronos_open(tok, model, &o, &m, &e);
    if (rc != KRONOS_OK) {
        fprintf(stderr, "kronos-tui device: %s\n", e.msg);
        return rc == KRONOS_EDEVICE ? KT_EXIT_DEVICE : KT_EXIT_MODEL;
    }
    rc = kronos_device_status_get(m, &st, &e);
    print_status(&st);
    kronos_close(m);
    if (rc != KRONOS_OK) {
        fprintf(stderr, "kronos-tui device: %s\n", e.msg);
        return KT_EXIT_DEVICE;
    }
    return KT_EXIT_OK;
}
