#!/usr/bin/env python3
"""Diagnose NDJSON logs of HTTP responses with apidiag on a Spark cluster.

    python3 examples/spark/diagnose.py [--apidiag PATH] [--partitions N] INPUT OUTPUT.json
    spark-submit --files /path/to/apidiag examples/spark/diagnose.py INPUT OUTPUT.json

INPUT is a path or glob Spark accepts (local, hdfs://, s3a://, ...). Every partition
is piped through `apidiag --summary --format json -j 1 --input-format ndjson -`, and the
partition summaries, in partition order, are merged by `apidiag merge` into OUTPUT.json:
the summary of the whole log, as one `apidiag --summary --format json -` over the
lines in that order would print it. See README.md beside this file.
"""

import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile

from pyspark import SparkFiles
from pyspark.sql import SparkSession

# Exit 1 (nothing diagnosed) and 2 (some record unreadable) still print the summary,
# which counts them; only a missing summary is a failure.
SUMMARY_CMD = ["--summary", "--format", "json", "-j", "1", "--input-format", "ndjson", "-"]


def executor_apidiag(name):
    """The apidiag an executor runs: shipped with --files / addFile, else on PATH."""
    shipped = SparkFiles.get(os.path.basename(name))
    if os.path.isfile(shipped):
        # Spark copies files without their mode bits on some cluster managers.
        mode = os.stat(shipped).st_mode
        if not mode & stat.S_IXUSR:
            os.chmod(shipped, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return shipped
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(
            f"apidiag not found on this executor: ship it with --files or put {name!r} on PATH"
        )
    return found


def summarise(name):
    def run(index, lines):
        first = next(lines, None)
        # An empty partition is no input at all; apidiag would count it unreadable.
        if first is None:
            return
        with tempfile.TemporaryFile() as log:
            # Spark's lines come without their newline; blank lines stay, so the
            # merge numbers every line as one run over the whole log would.
            log.write(first + b"\n")
            for line in lines:
                log.write(line + b"\n")
            log.seek(0)
            done = subprocess.run(
                [executor_apidiag(name)] + SUMMARY_CMD,
                stdin=log,
                stdout=subprocess.PIPE,
                check=False,
            )
        out = done.stdout.decode("utf-8")
        if done.returncode not in (0, 1, 2) or len(out.splitlines()) != 1:
            raise RuntimeError(
                f"apidiag on partition {index} exited {done.returncode} without a summary"
            )
        yield index, out

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="NDJSON log: a path or glob Spark accepts")
    parser.add_argument("output", help="where the merged summary JSON goes")
    parser.add_argument(
        "--apidiag",
        default="apidiag",
        help="the apidiag binary: a file to ship to the executors, or a name on their PATH",
    )
    parser.add_argument("--partitions", type=int, default=None, help="minimum partitions")
    args = parser.parse_args()

    spark = SparkSession.builder.appName("apidiag").getOrCreate()
    sc = spark.sparkContext
    name = args.apidiag
    if os.path.isfile(name):
        name = os.path.abspath(name)
        sc.addFile(name)
    elif shutil.which(name) is None:
        sys.exit(f"diagnose.py: {name!r} is neither a file nor on PATH (give --apidiag PATH)")

    # use_unicode=False: the lines stay UTF-8 bytes, as apidiag reads them.
    lines = sc.textFile(args.input, minPartitions=args.partitions, use_unicode=False)
    summaries = lines.mapPartitionsWithIndex(summarise(name)).collect()
    spark.stop()
    if not summaries:
        sys.exit(f"diagnose.py: {args.input}: no lines read")

    summaries.sort()
    merge = [name if os.path.isfile(name) else shutil.which(name), "merge", "--format", "json", "-"]
    with open(args.output, "wb") as out:
        done = subprocess.run(
            merge, input="".join(s for _, s in summaries).encode("utf-8"), stdout=out
        )
    if done.returncode != 0:
        sys.exit(f"diagnose.py: apidiag merge exited {done.returncode}")


if __name__ == "__main__":
    main()
