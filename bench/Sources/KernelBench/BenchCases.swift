import DreamCore

/// The layers `bench/run kernels` measures, by name. XRBench shapes come from
/// /work/shared/xrbench/usage_scenarios (MAESTRO Y/X are input sizes).
enum BenchCases {
    static func layer(_ name: String) -> LayerSpec? {
        switch name {
        case "conv3x3_c32_160x100": return .conv(name, c: 32, k: 32, h: 160, w: 100, r: 3, pad: 1, activation: .relu)
        case "conv3x3_c32_56x56": return .conv(name, c: 32, k: 32, h: 56, w: 56, r: 3, pad: 1, activation: .relu)
        case "conv3x3_c64_56x56": return .conv(name, c: 64, k: 64, h: 56, w: 56, r: 3, pad: 1, activation: .relu)
        case "conv3x3_c128_28x28": return .conv(name, c: 128, k: 128, h: 28, w: 28, r: 3, pad: 1, activation: .relu)
        case "conv3x3_c128_32x32": return .conv(name, c: 128, k: 128, h: 32, w: 32, r: 3, pad: 1, activation: .relu)
        case "conv3x3_c256_14x14": return .conv(name, c: 256, k: 256, h: 14, w: 14, r: 3, pad: 1, activation: .relu)
        case "conv5x5_c64_56x56": return .conv(name, c: 64, k: 64, h: 56, w: 56, r: 5, pad: 2, activation: .relu)
        case "conv3x3s2_c64_56x56": return .conv(name, c: 64, k: 128, h: 56, w: 56, r: 3, stride: 2, pad: 1, activation: .relu)
        case "pw_c32_160x100": return .conv(name, c: 32, k: 32, h: 160, w: 100, r: 1)
        case "pw_c128k256_32x32": return .conv(name, c: 128, k: 256, h: 32, w: 32, r: 1, activation: .relu)
        case "pw_c1024k256_10x10": return .conv(name, c: 1024, k: 256, h: 10, w: 10, r: 1)
        case "dw3x3_c64_56x56": return .conv(name, c: 64, k: 64, h: 56, w: 56, r: 3, pad: 1, groups: 64, activation: .relu6)
        case "dw5x5_c336_14x19": return .conv(name, c: 336, k: 336, h: 14, w: 19, r: 5, pad: 2, groups: 336)
        // Few output pixels, many weights (issue 17): VR_gaming's 5x5 conv of 1104 channels at 5x4
        // (122 MB of weights, 20 output pixels), the same on a 1x1 input (one pixel: a GEMV
        // over the centre taps' weights, every weight still streamed), its 1x1 conv at 5x4,
        // and the 512 -> 5120 fully connected layer at batch 1 (a GEMV over 10 MB of weights).
        case "conv5x5_c1104_5x4": return .conv(name, c: 1104, k: 1104, h: 5, w: 4, r: 5, pad: 2)
        case "conv5x5_c1104_1x1": return .conv(name, c: 1104, k: 1104, h: 1, w: 1, r: 5, pad: 2)
        case "pw_c1104k184_5x4": return .conv(name, c: 1104, k: 184, h: 5, w: 4, r: 1)
        case "fc_1x512x5120": return .gemm(name, m: 1, n: 5120, k: 512)
        // GE_FBNet_C's 5x5 convs on a 10x7 output (70 pixels, 45 MB and 15 MB of weights).
        case "conv5x5_c672_10x7": return .conv(name, c: 672, k: 672, h: 10, w: 7, r: 5, pad: 2)
        case "conv5x5_c384_10x7": return .conv(name, c: 384, k: 384, h: 10, w: 7, r: 5, pad: 2)
        case "fc_asr_128x512x2048": return .gemm(name, m: 128, n: 2048, k: 512)
        case "fc_asr_128x2048x512": return .gemm(name, m: 128, n: 512, k: 2048)
        default:
            if name.hasPrefix("gemm"), let n = Int(name.dropFirst(4)) { return .gemm(name, m: n, n: n, k: n) }
            // mnk_MxNxK: any GEMM layer (for experiments).
            if name.hasPrefix("mnk_") {
                let d = name.dropFirst(4).split(separator: "x").compactMap { Int($0) }
                if d.count == 3 { return .gemm(name, m: d[0], n: d[1], k: d[2]) }
            }
            return nil
        }
    }
}
