# The driver of `bench/run kernels` (run by bench/run with: BINARY SECONDS MODE). It talks to
# KernelBench line by line and interleaves its numpy/OpenBLAS reference in the same run.
# MODE full: every row on this build's kernel path; MODE avx2: the rows of the portable AVX2
# build (GEMMs against OpenBLAS's Haswell kernels, the 3x3/5x5 convolutions and the
# memory-bound rows).
import subprocess, sys, time
import numpy as np

binary, seconds, mode = sys.argv[1], float(sys.argv[2]), sys.argv[3]
swift = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

def ask(request):
    swift.stdin.write(request + "\n"); swift.stdin.flush()
    words = swift.stdout.readline().split()
    if not words or words[0] == "error":
        sys.exit(f"KernelBench failed on: {request}: {' '.join(words)}")
    return [float(w) if w[0].isdigit() else w for w in words]

def swift_rate(case, dataflow="ws"):
    return ask(f"rate {case} {dataflow} {seconds}")[1]

def numpy_rate(n):
    a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)
    a @ b
    best, end, runs = float("inf"), time.perf_counter() + seconds, 0
    while time.perf_counter() < end or runs < 3:
        t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t); runs += 1
    return 2 * n ** 3 / best / 1e9

# The micro-kernel tiles this binary runs (KernelISA.selected): every line names its path.
isa = ask("isa")
path = isa[1]
print(f"suite=kernels case=isa path={path} host={isa[2].split('=')[1]} build={isa[3].split('=')[1]}", flush=True)

def line(case, x, y, note=""):
    print(f"suite=kernels case={case} path={path} swift_gflops={x:.1f} ref_gflops={y:.1f} ratio={x / y:.2f}{note}", flush=True)

# The machine is shared: every figure is the best of ROUNDS interleaved measurements.
rounds = 4

# GEMM against numpy float32 matmul, interleaved, best of each.
for n in (256, 512, 1024):
    ref = swift_best = 0.0
    for _ in range(rounds):
        ref = max(ref, numpy_rate(n))
        swift_best = max(swift_best, swift_rate(f"gemm{n}"))
    line(f"gemm{n}", swift_best, ref, " ref=numpy" + (" OPENBLAS_CORETYPE=Haswell" if mode == "avx2" else ""))

# Convolutions and FC layers, each dataflow, against the same-run Swift GEMM rate (n = 512)
# measured just before: what the hardware gives a GEMM-shaped problem right now.
compute_bound = ["conv3x3_c32_160x100", "conv3x3_c32_56x56", "conv3x3_c64_56x56",
                 "conv3x3_c128_28x28", "conv3x3_c128_32x32", "conv3x3_c256_14x14",
                 "conv5x5_c64_56x56", "conv5x5_c672_10x7", "conv5x5_c384_10x7", "conv3x3s2_c64_56x56", "pw_c128k256_32x32",
                 "pw_c1024k256_10x10", "fc_asr_128x512x2048", "fc_asr_128x2048x512", "gemm512"]
dataflows = ("ws", "os", "rs")
if mode == "avx2":
    compute_bound = [c for c in compute_bound if c.startswith(("conv3x3_", "conv5x5_"))]
    dataflows = ("ws",)
for case in compute_bound:
    for dataflow in dataflows:
        ref = x = 0.0
        for _ in range(rounds - 1):
            ref = max(ref, swift_rate("gemm512"))
            x = max(x, swift_rate(case, dataflow))
        line(f"{case}/{dataflow}", x, ref)

# Memory-bound layers against their roofline: roofline_gflops = min(same-run GEMM rate, flops /
# (compulsory bytes / same-run stream bandwidth at the layer's working-set size)). The stream
# is what the layer's bytes do: the weight-streaming layers (few output pixels, many weights;
# every dataflow) only read, so a read-only stream; the direct kernels (depthwise, ws: one loop
# for all dataflows) and the small pointwise conv read and write, so memcpy (read+write bytes).
memory_bound = [("dw3x3_c64_56x56", ("ws",), "copy"), ("dw5x5_c336_14x19", ("ws",), "copy"),
                ("pw_c32_160x100", ("ws",), "copy"),
                ("conv5x5_c1104_5x4", ("ws", "os", "rs"), "read"), ("conv5x5_c1104_1x1", ("ws", "os", "rs"), "read"),
                ("pw_c1104k184_5x4", ("ws", "os", "rs"), "read"), ("fc_1x512x5120", ("ws", "os", "rs"), "read")]
for case, flows, stream in memory_bound:
    _, flops, _, nbytes = ask(f"flops {case}")
    for dataflow in flows:
        gemm = bandwidth = x = 0.0
        for _ in range(rounds - 1):
            gemm = max(gemm, swift_rate("gemm512"))
            bandwidth = max(bandwidth, ask(f"{stream} {int(nbytes)} {seconds}")[1])
            x = max(x, swift_rate(case, dataflow))
        roof = min(gemm, flops / nbytes * bandwidth)
        line(f"{case}/{dataflow}", x, roof,
             f" roofline_gflops={roof:.1f} roofline=min(gemm{gemm:.0f},{flops / nbytes:.2f}flop/B*{bandwidth:.0f}GB/s_{stream})"
             f" mbytes={nbytes / 1e6:.1f}")

# Multi-core: the same layer split over a 2-thread KernelTeam against one thread, same run.
if mode == "full":
    for case in ["gemm1024", "conv3x3_c64_56x56", "conv3x3_c256_14x14"]:
        one = two = 0.0
        for _ in range(rounds - 1):
            one = max(one, swift_rate(case, "ws"))
            two = max(two, ask(f"team {case} ws {seconds} 2")[1])
        line(f"{case}/ws/2threads", two, one, " ref=same layer on 1 thread")
swift.stdin.close(); swift.wait()
