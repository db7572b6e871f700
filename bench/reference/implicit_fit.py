"""One fit of the Python `implicit` library (0.7.2, CPU) on an ALSCOO01 file, in a fresh process.

The reference side of bench/vs-implicit.ts. Prints one JSON line:
  {library, version, solver, factors, threads, iterations, nnz, secondsPerIteration (median),
   iterationSeconds, peakRssMiB}

Usage:
  python bench/reference/implicit_fit.py --data ../shared/data/synthetic/synth_5m.alscoo \
      --solver cg|cholesky --factors 64 --threads 2 --iterations 5

Same settings as bench/fit-one.ts with feedback 'implicit': the user x item CSR holds the
confidences c = alpha * r with alpha = 1, regularization 0.05, 3 CG steps, random_state 1.
Build the reference first (bench/reference/README.md); never run it with nothing pinning BLAS.
"""
import os

# Before numpy is imported: implicit parallelises with OpenMP itself, a threaded BLAS on top only
# oversubscribes the cores (implicit warns about it too).
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse  # noqa: E402


def read_alscoo(path):
    """ALSCOO01: 32-byte header (magic[8], u32 users @8, u32 items @12, u64 nnz @16, u64 0),
    then int32 users[nnz], int32 items[nnz], float32 values[nnz], little-endian."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:8] != b"ALSCOO01":
        raise SystemExit(f"{path}: not an ALSCOO01 file (magic {buf[:8]!r})")
    num_users = int(np.frombuffer(buf, dtype="<u4", count=1, offset=8)[0])
    num_items = int(np.frombuffer(buf, dtype="<u4", count=1, offset=12)[0])
    nnz = int(np.frombuffer(buf, dtype="<u8", count=1, offset=16)[0])
    users = np.frombuffer(buf, dtype="<i4", count=nnz, offset=32)
    items = np.frombuffer(buf, dtype="<i4", count=nnz, offset=32 + 4 * nnz)
    values = np.frombuffer(buf, dtype="<f4", count=nnz, offset=32 + 8 * nnz)
    return num_users, num_items, users, items, values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="path of an ALSCOO01 file")
    parser.add_argument("--solver", choices=["cg", "cholesky"], default="cg")
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--regularization", type=float, default=0.05)
    parser.add_argument("--cg-steps", type=int, default=3)
    args = parser.parse_args()

    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    num_users, num_items, users, items, values = read_alscoo(args.data)
    # Confidences c = alpha * r, user x item. The file has no duplicate pairs, so nothing is summed.
    user_items = scipy.sparse.csr_matrix(
        (values.astype(np.float32) * np.float32(args.alpha), (users, items)),
        shape=(num_users, num_items),
        dtype=np.float32,
    )
    del users, items, values

    model = AlternatingLeastSquares(
        factors=args.factors,
        regularization=args.regularization,
        alpha=1.0,  # already applied above; implicit would multiply again otherwise
        dtype=np.float32,
        use_cg=args.solver == "cg",
        iterations=args.iterations,
        calculate_training_loss=False,
        num_threads=args.threads,
        random_state=1,
    )
    model.cg_steps = args.cg_steps

    seconds = []

    # 0.7.2: fit(user_items, show_progress, callback); callback(iteration, elapsed_seconds, loss),
    # elapsed measured around the two half-steps of that iteration only.
    def on_iteration(iteration, elapsed, loss):
        seconds.append(float(elapsed))

    model.fit(user_items, show_progress=False, callback=on_iteration)

    ordered = sorted(seconds)
    # ru_maxrss is in KiB on Linux.
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "library": "implicit",
                "version": implicit.__version__,
                "solver": args.solver,
                "factors": args.factors,
                "threads": args.threads,
                "iterations": args.iterations,
                "nnz": int(user_items.nnz),
                # Upper median for an even count, as bench/fit-one.ts takes it.
                "secondsPerIteration": ordered[len(ordered) // 2],
                "iterationSeconds": seconds,
                "peakRssMiB": round(peak_rss_mib, 1),
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
