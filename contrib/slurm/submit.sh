#!/bin/sh
# submit.sh: submits the shard array and the merge job that waits for it.
# Extra arguments go to the array's sbatch (e.g. --array=0-49).
#   PRICES=data/sp100.csv RUN_DIR=/shared/runs/full contrib/slurm/submit.sh --array=0-49
# The variables (PRICES, TOKENIZER, MODEL, RUN_DIR, KRONOS_ARGS, KRONOS_TUI)
# reach both jobs through sbatch's default --export=ALL.
set -eu
here=$(dirname "$0")
array=$(sbatch --parsable "$@" "$here/kronos-shards.sbatch")
array=${array%%;*}   # "jobid;cluster" on multi-cluster setups
merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/kronos-merge.sbatch")
echo "array job $array, merge job $merge (runs when every task succeeded)"
