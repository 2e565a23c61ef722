// ViewSynthEngine — a small neural-network engine with hand-written backward passes on OpenBLAS.
//
// Design (after karpathy/llm.c):
// - Parameters: every layer declares its named tensors in one `ParameterLayout`; a `ParameterStore<T>`
//   holds ONE flat 64-byte-aligned value buffer and ONE gradient buffer of that layout. AdamW is one pass
//   over the buffers, a checkpoint (safetensors) one write, zeroing the gradients one memset.
// - Activations: `Arena<T>` allocations sized once per (configuration, batch) — see `ArenaPlan`,
//   `TransformerStack` — never in a hot loop.
// - Ops are forward/backward pairs. Forward overwrites its output; backward ACCUMULATES into the input
//   and parameter gradients (zeroing is explicit: `store.zeroGradients()`, `Tensor.zero()`).
// - Everything is generic over `EngineScalar` (Float for work, Double for gradient checks): GEMMs go to
//   sgemm/dgemm through `Threading.gemm`, non-GEMM hot loops to C kernels (CKernels, runtime-dispatched
//   AVX-512/AVX2/baseline with target_clones). `referenceGEMM` is the naive reference for tests.
// - Layout conventions: row-major; a batch of S sequences of L tokens of width D is a [S·L, D] matrix
//   (token s·L + i), so every Linear layer is one GEMM over all tokens. Key masks are [S, L] bytes,
//   1 = valid. Shape legends in the doc comments: N rows, S sequences, L length, D width, H heads,
//   dh = D / H, M MLP width, B rays, C channels, k patch size.
//
// Ops: Linear, LayerNorm, Activation (GELU tanh-approx, ReLU, ELU, sigmoid), Softmax (masked),
// SelfAttention (multi-head, masked, many short sequences at once), PatchProjection (bilinear k×k patches
// at sampled points → features, with image gradients), PositionalEncoding (sin/cos), WeightedSum
// (attention pooling), MSELoss, Residual, SwapAxes, Concat, Embedding; TransformerLayer/TransformerStack
// (pre- or post-norm). Training: AdamW + LearningRateSchedule, SafeTensors checkpoints.
//
// Process setup (see BLASSetup): executables call `BLASSetup.reexecIfNeeded()` first thing in main (it may
// re-execute the program once with OPENBLAS_CORETYPE set; opt out with VIEWSYNTH_NO_BLAS_REEXEC=1).
// Library users set OPENBLAS_CORETYPE themselves (e.g. SkylakeX on AVX-512 CPUs) before the process
// starts. Threads: `Threading` (VIEWSYNTH_THREADS overrides the worker count; OpenBLAS runs 1 thread).
// Benchmark: `EngineBenchmark.run(EngineBenchmarkOptions()) -> EngineBenchmarkReport` (.text / .json),
// for `viewsynth bench engine`.

/// Version of the engine's checkpoint conventions (parameter naming and safetensors layout).
public enum ViewSynthEngineInfo {
    public static let checkpointFormatVersion = 1
}
