import DreamCore

/// Namespace of the kernel target (filled in by the kernels work).
public enum DreamKernels {
    public static let layout = "NCHW"
}
