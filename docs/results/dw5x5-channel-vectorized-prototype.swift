// Issue 17, eighth depthwise pass (2026-12-07, not in the kernels): dw5x5 with the channels in
// the vector lanes. Per block of 16 channels: the input planes transposed (16x16, two passes of
// two perfect-shuffle stages through a 1 KB buffer, so nothing spills) into a zero-padded plane
// of 16-channel vectors, 1x8 register tiles (8 accumulators, 12 input and 5 tap loads per filter
// row, 40 FMAs), the output transposed back. Correct against the naive loop (max error ~1e-6).
// Measured on the 2-vCPU AMD EPYC Zen 4 (AVX-512) host, best of 8 rounds of 0.25 s, one core:
//   whole kernel, dw5x5 c336 14x19: 53-57 GFLOP/s (the shipped kernel: 58-59 in bench/run kernels)
//   the tiles alone (no transposes, wrong output): 100 GFLOP/s (0.92 of the 109 GFLOP/s GEMM rate)
//   one 16x16 transpose on L1 data: 136-141 cycles (64 vpermt2ps zmm at 2 cycles each on Zen 4)
// So 34 transposes per 16-channel block (17 in, 17 out) cost ~4600 cycles against ~7300 for the
// FMAs, and they add up (a software-pipelined version, transposing block b+1's input and b-1's
// output between block b's rows, gained nothing): at most 1.04x the shipped kernel at this shape.
// Build and run: swiftc -Ounchecked -target-cpu native THIS.swift -o dwcv && ./dwcv [H W]
import Foundation

typealias V = SIMD16<Float>

@inline(__always) func ld(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
@inline(__always) func st(_ p: UnsafeMutablePointer<Float>, _ v: V) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

/// One perfect-shuffle step on a pair: (even(x‖y), odd(x‖y)).
@inline(__always) func step(_ x: V, _ y: V) -> (V, V) {
    let c = SIMD32<Float>(lowHalf: x, highHalf: y)
    return (c.evenHalf, c.oddHalf)
}

@inline(__always) func bitrev4(_ k: Int) -> Int { ((k & 1) << 3) | ((k & 2) << 1) | ((k & 4) >> 1) | ((k & 8) >> 3) }

/// 16x16 transpose: row r at src + r*srcStride (16 floats); column c to dst + off[c]. Two passes of
/// two perfect-shuffle stages over groups of 4 registers through `mid` (1 KB), so nothing spills.
/// Written out group by group on purpose: the same passes as two loops over the groups (a shared
/// four-register helper, the rows' bit reversal computed) ran 5% slower (50.8-56.3 against
/// 57.6-59.5 GFLOP/s, same session, 2026-12-08).
@inline(__always) func transpose16(_ src: UnsafePointer<Float>, _ ss: Int, _ dst: UnsafeMutablePointer<Float>, _ off: UnsafePointer<Int>,
                                   _ mid: UnsafeMutablePointer<Float>) {
    do {
        var x0 = ld(src + 0 * ss), x1 = ld(src + 2 * ss), x2 = ld(src + 1 * ss), x3 = ld(src + 3 * ss)
        (x0, x2) = step(x0, x2); (x1, x3) = step(x1, x3); (x0, x1) = step(x0, x1); (x2, x3) = step(x2, x3)
        st(mid + 0, x0); st(mid + 64, x1); st(mid + 128, x2); st(mid + 192, x3)
    }
    do {
        var x0 = ld(src + 8 * ss), x1 = ld(src + 10 * ss), x2 = ld(src + 9 * ss), x3 = ld(src + 11 * ss)
        (x0, x2) = step(x0, x2); (x1, x3) = step(x1, x3); (x0, x1) = step(x0, x1); (x2, x3) = step(x2, x3)
        st(mid + 16, x0); st(mid + 80, x1); st(mid + 144, x2); st(mid + 208, x3)
    }
    do {
        var x0 = ld(src + 4 * ss), x1 = ld(src + 6 * ss), x2 = ld(src + 5 * ss), x3 = ld(src + 7 * ss)
        (x0, x2) = step(x0, x2); (x1, x3) = step(x1, x3); (x0, x1) = step(x0, x1); (x2, x3) = step(x2, x3)
        st(mid + 32, x0); st(mid + 96, x1); st(mid + 160, x2); st(mid + 224, x3)
    }
    do {
        var x0 = ld(src + 12 * ss), x1 = ld(src + 14 * ss), x2 = ld(src + 13 * ss), x3 = ld(src + 15 * ss)
        (x0, x2) = step(x0, x2); (x1, x3) = step(x1, x3); (x0, x1) = step(x0, x1); (x2, x3) = step(x2, x3)
        st(mid + 48, x0); st(mid + 112, x1); st(mid + 176, x2); st(mid + 240, x3)
    }
    do {
        var x0 = ld(mid + 0), x1 = ld(mid + 16), x2 = ld(mid + 32), x3 = ld(mid + 48)
        (x0, x2) = step(x0, x2); (x1, x3) = step(x1, x3); (x0, x1) = step(x0, x1); (x2, x3) = step(x2, x3)
        st(dst + off[0], x0); st(dst + off[8], x1); st(dst + off[4], x2); st(dst + off[12], x3)
    }
    do {
        var x0 = ld(mid + 64), x1 = ld(mid + 80), x2 = ld(mid + 96), x3 = ld(mid + 112)
        (x0, x2) = step(x0, x2); (x1, x3) = step(x1, x3); (x0, x1) = step(x0, x1); (x2, x3) = step(x2, x3)
        st(dst + off[2], x0); st(dst + off[10], x1); st(dst + off[6], x2); st(dst + off[14], x3)
    }
    do {
        var x0 = ld(mid + 128), x1 = ld(mid + 144), x2 = ld(mid + 160), x3 = ld(mid + 176)
        (x0, x2) = step(x0, x2); (x1, x3) = step(x1, x3); (x0, x1) = step(x0, x1); (x2, x3) = step(x2, x3)
        st(dst + off[1], x0); st(dst + off[9], x1); st(dst + off[5], x2); st(dst + off[13], x3)
    }
    do {
        var x0 = ld(mid + 192), x1 = ld(mid + 208), x2 = ld(mid + 224), x3 = ld(mid + 240)
        (x0, x2) = step(x0, x2); (x1, x3) = step(x1, x3); (x0, x1) = step(x0, x1); (x2, x3) = step(x2, x3)
        st(dst + off[3], x0); st(dst + off[11], x1); st(dst + off[7], x2); st(dst + off[15], x3)
    }
}

@inline(__always) func tile1(_ T: UnsafePointer<Float>, _ wp: Int, _ y: Int, _ x: Int, _ taps: UnsafePointer<Float>, _ bias: V, _ O: UnsafeMutablePointer<Float>, _ w: Int) {
    var a0 = bias;
    for ky in 0..<5 {
        let row = T + ((y + ky) * wp + x) * 16
        let tp = taps + ky * 80
        let i0 = ld(row + 0); let i1 = ld(row + 16); let i2 = ld(row + 32); let i3 = ld(row + 48); let i4 = ld(row + 64);
        let t0 = ld(tp + 0)
        a0 = a0.addingProduct(t0, i0);
        let t1 = ld(tp + 16)
        a0 = a0.addingProduct(t1, i1);
        let t2 = ld(tp + 32)
        a0 = a0.addingProduct(t2, i2);
        let t3 = ld(tp + 48)
        a0 = a0.addingProduct(t3, i3);
        let t4 = ld(tp + 64)
        a0 = a0.addingProduct(t4, i4);
    }
    let z = V(repeating: 0)
    let o = O + (y * w + x) * 16
    st(o + 0, a0.replacing(with: z, where: a0 .< z));
}

@inline(__always) func tile2(_ T: UnsafePointer<Float>, _ wp: Int, _ y: Int, _ x: Int, _ taps: UnsafePointer<Float>, _ bias: V, _ O: UnsafeMutablePointer<Float>, _ w: Int) {
    var a0 = bias; var a1 = bias;
    for ky in 0..<5 {
        let row = T + ((y + ky) * wp + x) * 16
        let tp = taps + ky * 80
        let i0 = ld(row + 0); let i1 = ld(row + 16); let i2 = ld(row + 32); let i3 = ld(row + 48); let i4 = ld(row + 64); let i5 = ld(row + 80);
        let t0 = ld(tp + 0)
        a0 = a0.addingProduct(t0, i0); a1 = a1.addingProduct(t0, i1);
        let t1 = ld(tp + 16)
        a0 = a0.addingProduct(t1, i1); a1 = a1.addingProduct(t1, i2);
        let t2 = ld(tp + 32)
        a0 = a0.addingProduct(t2, i2); a1 = a1.addingProduct(t2, i3);
        let t3 = ld(tp + 48)
        a0 = a0.addingProduct(t3, i3); a1 = a1.addingProduct(t3, i4);
        let t4 = ld(tp + 64)
        a0 = a0.addingProduct(t4, i4); a1 = a1.addingProduct(t4, i5);
    }
    let z = V(repeating: 0)
    let o = O + (y * w + x) * 16
    st(o + 0, a0.replacing(with: z, where: a0 .< z)); st(o + 16, a1.replacing(with: z, where: a1 .< z));
}

@inline(__always) func tile3(_ T: UnsafePointer<Float>, _ wp: Int, _ y: Int, _ x: Int, _ taps: UnsafePointer<Float>, _ bias: V, _ O: UnsafeMutablePointer<Float>, _ w: Int) {
    var a0 = bias; var a1 = bias; var a2 = bias;
    for ky in 0..<5 {
        let row = T + ((y + ky) * wp + x) * 16
        let tp = taps + ky * 80
        let i0 = ld(row + 0); let i1 = ld(row + 16); let i2 = ld(row + 32); let i3 = ld(row + 48); let i4 = ld(row + 64); let i5 = ld(row + 80); let i6 = ld(row + 96);
        let t0 = ld(tp + 0)
        a0 = a0.addingProduct(t0, i0); a1 = a1.addingProduct(t0, i1); a2 = a2.addingProduct(t0, i2);
        let t1 = ld(tp + 16)
        a0 = a0.addingProduct(t1, i1); a1 = a1.addingProduct(t1, i2); a2 = a2.addingProduct(t1, i3);
        let t2 = ld(tp + 32)
        a0 = a0.addingProduct(t2, i2); a1 = a1.addingProduct(t2, i3); a2 = a2.addingProduct(t2, i4);
        let t3 = ld(tp + 48)
        a0 = a0.addingProduct(t3, i3); a1 = a1.addingProduct(t3, i4); a2 = a2.addingProduct(t3, i5);
        let t4 = ld(tp + 64)
        a0 = a0.addingProduct(t4, i4); a1 = a1.addingProduct(t4, i5); a2 = a2.addingProduct(t4, i6);
    }
    let z = V(repeating: 0)
    let o = O + (y * w + x) * 16
    st(o + 0, a0.replacing(with: z, where: a0 .< z)); st(o + 16, a1.replacing(with: z, where: a1 .< z)); st(o + 32, a2.replacing(with: z, where: a2 .< z));
}

@inline(__always) func tile4(_ T: UnsafePointer<Float>, _ wp: Int, _ y: Int, _ x: Int, _ taps: UnsafePointer<Float>, _ bias: V, _ O: UnsafeMutablePointer<Float>, _ w: Int) {
    var a0 = bias; var a1 = bias; var a2 = bias; var a3 = bias;
    for ky in 0..<5 {
        let row = T + ((y + ky) * wp + x) * 16
        let tp = taps + ky * 80
        let i0 = ld(row + 0); let i1 = ld(row + 16); let i2 = ld(row + 32); let i3 = ld(row + 48); let i4 = ld(row + 64); let i5 = ld(row + 80); let i6 = ld(row + 96); let i7 = ld(row + 112);
        let t0 = ld(tp + 0)
        a0 = a0.addingProduct(t0, i0); a1 = a1.addingProduct(t0, i1); a2 = a2.addingProduct(t0, i2); a3 = a3.addingProduct(t0, i3);
        let t1 = ld(tp + 16)
        a0 = a0.addingProduct(t1, i1); a1 = a1.addingProduct(t1, i2); a2 = a2.addingProduct(t1, i3); a3 = a3.addingProduct(t1, i4);
        let t2 = ld(tp + 32)
        a0 = a0.addingProduct(t2, i2); a1 = a1.addingProduct(t2, i3); a2 = a2.addingProduct(t2, i4); a3 = a3.addingProduct(t2, i5);
        let t3 = ld(tp + 48)
        a0 = a0.addingProduct(t3, i3); a1 = a1.addingProduct(t3, i4); a2 = a2.addingProduct(t3, i5); a3 = a3.addingProduct(t3, i6);
        let t4 = ld(tp + 64)
        a0 = a0.addingProduct(t4, i4); a1 = a1.addingProduct(t4, i5); a2 = a2.addingProduct(t4, i6); a3 = a3.addingProduct(t4, i7);
    }
    let z = V(repeating: 0)
    let o = O + (y * w + x) * 16
    st(o + 0, a0.replacing(with: z, where: a0 .< z)); st(o + 16, a1.replacing(with: z, where: a1 .< z)); st(o + 32, a2.replacing(with: z, where: a2 .< z)); st(o + 48, a3.replacing(with: z, where: a3 .< z));
}

@inline(__always) func tile5(_ T: UnsafePointer<Float>, _ wp: Int, _ y: Int, _ x: Int, _ taps: UnsafePointer<Float>, _ bias: V, _ O: UnsafeMutablePointer<Float>, _ w: Int) {
    var a0 = bias; var a1 = bias; var a2 = bias; var a3 = bias; var a4 = bias;
    for ky in 0..<5 {
        let row = T + ((y + ky) * wp + x) * 16
        let tp = taps + ky * 80
        let i0 = ld(row + 0); let i1 = ld(row + 16); let i2 = ld(row + 32); let i3 = ld(row + 48); let i4 = ld(row + 64); let i5 = ld(row + 80); let i6 = ld(row + 96); let i7 = ld(row + 112); let i8 = ld(row + 128);
        let t0 = ld(tp + 0)
        a0 = a0.addingProduct(t0, i0); a1 = a1.addingProduct(t0, i1); a2 = a2.addingProduct(t0, i2); a3 = a3.addingProduct(t0, i3); a4 = a4.addingProduct(t0, i4);
        let t1 = ld(tp + 16)
        a0 = a0.addingProduct(t1, i1); a1 = a1.addingProduct(t1, i2); a2 = a2.addingProduct(t1, i3); a3 = a3.addingProduct(t1, i4); a4 = a4.addingProduct(t1, i5);
        let t2 = ld(tp + 32)
        a0 = a0.addingProduct(t2, i2); a1 = a1.addingProduct(t2, i3); a2 = a2.addingProduct(t2, i4); a3 = a3.addingProduct(t2, i5); a4 = a4.addingProduct(t2, i6);
        let t3 = ld(tp + 48)
        a0 = a0.addingProduct(t3, i3); a1 = a1.addingProduct(t3, i4); a2 = a2.addingProduct(t3, i5); a3 = a3.addingProduct(t3, i6); a4 = a4.addingProduct(t3, i7);
        let t4 = ld(tp + 64)
        a0 = a0.addingProduct(t4, i4); a1 = a1.addingProduct(t4, i5); a2 = a2.addingProduct(t4, i6); a3 = a3.addingProduct(t4, i7); a4 = a4.addingProduct(t4, i8);
    }
    let z = V(repeating: 0)
    let o = O + (y * w + x) * 16
    st(o + 0, a0.replacing(with: z, where: a0 .< z)); st(o + 16, a1.replacing(with: z, where: a1 .< z)); st(o + 32, a2.replacing(with: z, where: a2 .< z)); st(o + 48, a3.replacing(with: z, where: a3 .< z)); st(o + 64, a4.replacing(with: z, where: a4 .< z));
}

@inline(__always) func tile6(_ T: UnsafePointer<Float>, _ wp: Int, _ y: Int, _ x: Int, _ taps: UnsafePointer<Float>, _ bias: V, _ O: UnsafeMutablePointer<Float>, _ w: Int) {
    var a0 = bias; var a1 = bias; var a2 = bias; var a3 = bias; var a4 = bias; var a5 = bias;
    for ky in 0..<5 {
        let row = T + ((y + ky) * wp + x) * 16
        let tp = taps + ky * 80
        let i0 = ld(row + 0); let i1 = ld(row + 16); let i2 = ld(row + 32); let i3 = ld(row + 48); let i4 = ld(row + 64); let i5 = ld(row + 80); let i6 = ld(row + 96); let i7 = ld(row + 112); let i8 = ld(row + 128); let i9 = ld(row + 144);
        let t0 = ld(tp + 0)
        a0 = a0.addingProduct(t0, i0); a1 = a1.addingProduct(t0, i1); a2 = a2.addingProduct(t0, i2); a3 = a3.addingProduct(t0, i3); a4 = a4.addingProduct(t0, i4); a5 = a5.addingProduct(t0, i5);
        let t1 = ld(tp + 16)
        a0 = a0.addingProduct(t1, i1); a1 = a1.addingProduct(t1, i2); a2 = a2.addingProduct(t1, i3); a3 = a3.addingProduct(t1, i4); a4 = a4.addingProduct(t1, i5); a5 = a5.addingProduct(t1, i6);
        let t2 = ld(tp + 32)
        a0 = a0.addingProduct(t2, i2); a1 = a1.addingProduct(t2, i3); a2 = a2.addingProduct(t2, i4); a3 = a3.addingProduct(t2, i5); a4 = a4.addingProduct(t2, i6); a5 = a5.addingProduct(t2, i7);
        let t3 = ld(tp + 48)
        a0 = a0.addingProduct(t3, i3); a1 = a1.addingProduct(t3, i4); a2 = a2.addingProduct(t3, i5); a3 = a3.addingProduct(t3, i6); a4 = a4.addingProduct(t3, i7); a5 = a5.addingProduct(t3, i8);
        let t4 = ld(tp + 64)
        a0 = a0.addingProduct(t4, i4); a1 = a1.addingProduct(t4, i5); a2 = a2.addingProduct(t4, i6); a3 = a3.addingProduct(t4, i7); a4 = a4.addingProduct(t4, i8); a5 = a5.addingProduct(t4, i9);
    }
    let z = V(repeating: 0)
    let o = O + (y * w + x) * 16
    st(o + 0, a0.replacing(with: z, where: a0 .< z)); st(o + 16, a1.replacing(with: z, where: a1 .< z)); st(o + 32, a2.replacing(with: z, where: a2 .< z)); st(o + 48, a3.replacing(with: z, where: a3 .< z)); st(o + 64, a4.replacing(with: z, where: a4 .< z)); st(o + 80, a5.replacing(with: z, where: a5 .< z));
}

@inline(__always) func tile7(_ T: UnsafePointer<Float>, _ wp: Int, _ y: Int, _ x: Int, _ taps: UnsafePointer<Float>, _ bias: V, _ O: UnsafeMutablePointer<Float>, _ w: Int) {
    var a0 = bias; var a1 = bias; var a2 = bias; var a3 = bias; var a4 = bias; var a5 = bias; var a6 = bias;
    for ky in 0..<5 {
        let row = T + ((y + ky) * wp + x) * 16
        let tp = taps + ky * 80
        let i0 = ld(row + 0); let i1 = ld(row + 16); let i2 = ld(row + 32); let i3 = ld(row + 48); let i4 = ld(row + 64); let i5 = ld(row + 80); let i6 = ld(row + 96); let i7 = ld(row + 112); let i8 = ld(row + 128); let i9 = ld(row + 144); let i10 = ld(row + 160);
        let t0 = ld(tp + 0)
        a0 = a0.addingProduct(t0, i0); a1 = a1.addingProduct(t0, i1); a2 = a2.addingProduct(t0, i2); a3 = a3.addingProduct(t0, i3); a4 = a4.addingProduct(t0, i4); a5 = a5.addingProduct(t0, i5); a6 = a6.addingProduct(t0, i6);
        let t1 = ld(tp + 16)
        a0 = a0.addingProduct(t1, i1); a1 = a1.addingProduct(t1, i2); a2 = a2.addingProduct(t1, i3); a3 = a3.addingProduct(t1, i4); a4 = a4.addingProduct(t1, i5); a5 = a5.addingProduct(t1, i6); a6 = a6.addingProduct(t1, i7);
        let t2 = ld(tp + 32)
        a0 = a0.addingProduct(t2, i2); a1 = a1.addingProduct(t2, i3); a2 = a2.addingProduct(t2, i4); a3 = a3.addingProduct(t2, i5); a4 = a4.addingProduct(t2, i6); a5 = a5.addingProduct(t2, i7); a6 = a6.addingProduct(t2, i8);
        let t3 = ld(tp + 48)
        a0 = a0.addingProduct(t3, i3); a1 = a1.addingProduct(t3, i4); a2 = a2.addingProduct(t3, i5); a3 = a3.addingProduct(t3, i6); a4 = a4.addingProduct(t3, i7); a5 = a5.addingProduct(t3, i8); a6 = a6.addingProduct(t3, i9);
        let t4 = ld(tp + 64)
        a0 = a0.addingProduct(t4, i4); a1 = a1.addingProduct(t4, i5); a2 = a2.addingProduct(t4, i6); a3 = a3.addingProduct(t4, i7); a4 = a4.addingProduct(t4, i8); a5 = a5.addingProduct(t4, i9); a6 = a6.addingProduct(t4, i10);
    }
    let z = V(repeating: 0)
    let o = O + (y * w + x) * 16
    st(o + 0, a0.replacing(with: z, where: a0 .< z)); st(o + 16, a1.replacing(with: z, where: a1 .< z)); st(o + 32, a2.replacing(with: z, where: a2 .< z)); st(o + 48, a3.replacing(with: z, where: a3 .< z)); st(o + 64, a4.replacing(with: z, where: a4 .< z)); st(o + 80, a5.replacing(with: z, where: a5 .< z)); st(o + 96, a6.replacing(with: z, where: a6 .< z));
}

@inline(__always) func tile8(_ T: UnsafePointer<Float>, _ wp: Int, _ y: Int, _ x: Int, _ taps: UnsafePointer<Float>, _ bias: V, _ O: UnsafeMutablePointer<Float>, _ w: Int) {
    var a0 = bias; var a1 = bias; var a2 = bias; var a3 = bias; var a4 = bias; var a5 = bias; var a6 = bias; var a7 = bias;
    for ky in 0..<5 {
        let row = T + ((y + ky) * wp + x) * 16
        let tp = taps + ky * 80
        let i0 = ld(row + 0); let i1 = ld(row + 16); let i2 = ld(row + 32); let i3 = ld(row + 48); let i4 = ld(row + 64); let i5 = ld(row + 80); let i6 = ld(row + 96); let i7 = ld(row + 112); let i8 = ld(row + 128); let i9 = ld(row + 144); let i10 = ld(row + 160); let i11 = ld(row + 176);
        let t0 = ld(tp + 0)
        a0 = a0.addingProduct(t0, i0); a1 = a1.addingProduct(t0, i1); a2 = a2.addingProduct(t0, i2); a3 = a3.addingProduct(t0, i3); a4 = a4.addingProduct(t0, i4); a5 = a5.addingProduct(t0, i5); a6 = a6.addingProduct(t0, i6); a7 = a7.addingProduct(t0, i7);
        let t1 = ld(tp + 16)
        a0 = a0.addingProduct(t1, i1); a1 = a1.addingProduct(t1, i2); a2 = a2.addingProduct(t1, i3); a3 = a3.addingProduct(t1, i4); a4 = a4.addingProduct(t1, i5); a5 = a5.addingProduct(t1, i6); a6 = a6.addingProduct(t1, i7); a7 = a7.addingProduct(t1, i8);
        let t2 = ld(tp + 32)
        a0 = a0.addingProduct(t2, i2); a1 = a1.addingProduct(t2, i3); a2 = a2.addingProduct(t2, i4); a3 = a3.addingProduct(t2, i5); a4 = a4.addingProduct(t2, i6); a5 = a5.addingProduct(t2, i7); a6 = a6.addingProduct(t2, i8); a7 = a7.addingProduct(t2, i9);
        let t3 = ld(tp + 48)
        a0 = a0.addingProduct(t3, i3); a1 = a1.addingProduct(t3, i4); a2 = a2.addingProduct(t3, i5); a3 = a3.addingProduct(t3, i6); a4 = a4.addingProduct(t3, i7); a5 = a5.addingProduct(t3, i8); a6 = a6.addingProduct(t3, i9); a7 = a7.addingProduct(t3, i10);
        let t4 = ld(tp + 64)
        a0 = a0.addingProduct(t4, i4); a1 = a1.addingProduct(t4, i5); a2 = a2.addingProduct(t4, i6); a3 = a3.addingProduct(t4, i7); a4 = a4.addingProduct(t4, i8); a5 = a5.addingProduct(t4, i9); a6 = a6.addingProduct(t4, i10); a7 = a7.addingProduct(t4, i11);
    }
    let z = V(repeating: 0)
    let o = O + (y * w + x) * 16
    st(o + 0, a0.replacing(with: z, where: a0 .< z)); st(o + 16, a1.replacing(with: z, where: a1 .< z)); st(o + 32, a2.replacing(with: z, where: a2 .< z)); st(o + 48, a3.replacing(with: z, where: a3 .< z)); st(o + 64, a4.replacing(with: z, where: a4 .< z)); st(o + 80, a5.replacing(with: z, where: a5 .< z)); st(o + 96, a6.replacing(with: z, where: a6 .< z)); st(o + 112, a7.replacing(with: z, where: a7 .< z));
}

/// Channel-vectorized depthwise 5x5, pad 2, stride 1, relu; channels [c0, c1) in blocks of 16 (c1-c0 multiple of 16).
@inline(never)
func dwcv(_ input: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, _ biasArr: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
          c0: Int, c1: Int, h: Int, w: Int, T: UnsafeMutablePointer<Float>, O: UnsafeMutablePointer<Float>, taps: UnsafeMutablePointer<Float>,
          tmp: UnsafeMutablePointer<Float>, off: UnsafeMutablePointer<Int>) {
    let hw = h * w, wp = w + 4
    let junk = (h + 4) * wp * 16
    let mid = tmp + 256
    let inOff = UnsafeMutablePointer<Int>.allocate(capacity: hw + 16)
    defer { inOff.deallocate() }
    for q in 0..<(hw + 16) { inOff[q] = q < hw ? ((q / w + 2) * wp + q % w + 2) * 16 : junk }
    var cb = c0
    while cb < c1 {
        // taps: 25 vectors of 16 channels; bias
        for c in 0..<16 { for k in 0..<25 { taps[k * 16 + c] = weights[(cb + c) * 25 + k] } }
        var bias = V(repeating: 0)
        for c in 0..<16 { bias[c] = biasArr[cb + c] }
        // input transpose into T interior
        let base = input + cb * hw
        var p = 0
        while p < hw {
            if p + 16 <= hw {
                transpose16(base + p, hw, T, inOff + p, mid)
            } else {
                for c in 0..<16 { for j in 0..<16 { tmp[c * 16 + j] = p + j < hw ? base[c * hw + p + j] : 0 } }
                transpose16(tmp, 16, T, inOff + p, mid)
            }
            p += 16
        }
        // compute
        for y in 0..<h {
            var x = 0
            while x + 8 <= w { tile8(T, wp, y, x, taps, bias, O, w); x += 8 }
            switch w - x {
            case 1: tile1(T, wp, y, x, taps, bias, O, w)
            case 2: tile2(T, wp, y, x, taps, bias, O, w)
            case 3: tile3(T, wp, y, x, taps, bias, O, w)
            case 4: tile4(T, wp, y, x, taps, bias, O, w)
            case 5: tile5(T, wp, y, x, taps, bias, O, w)
            case 6: tile6(T, wp, y, x, taps, bias, O, w)
            case 7: tile7(T, wp, y, x, taps, bias, O, w)
            default: break
            }
        }
        // output transpose
        let out = output + cb * hw
        p = 0
        for c in 0..<16 { off[c] = c * hw }
        while p + 16 <= hw { transpose16(O + p * 16, 16, out + p, off, mid); p += 16 }
        if p < hw {
            for c in 0..<16 { off[c] = c * 16 }
            transpose16(O + p * 16, 16, tmp, off, mid)
            for c in 0..<16 { for j in 0..<(hw - p) { out[c * hw + p + j] = tmp[c * 16 + j] } }
        }
        cb += 16
    }
}

func naive(_ input: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, C: Int, h: Int, w: Int) {
    for c in 0..<C { for y in 0..<h { for x in 0..<w {
        var s = bias[c]
        for ky in 0..<5 { for kx in 0..<5 {
            let iy = y + ky - 2, ix = x + kx - 2
            if iy >= 0 && iy < h && ix >= 0 && ix < w { s += weights[c * 25 + ky * 5 + kx] * input[c * h * w + iy * w + ix] }
        } }
        output[c * h * w + y * w + x] = max(0, s)
    } } }
}

let C = 336, H = Int(CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "14")!, W = Int(CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "19")!
let input = UnsafeMutablePointer<Float>.allocate(capacity: C * H * W + 64)
let weights = UnsafeMutablePointer<Float>.allocate(capacity: C * 25)
let bias = UnsafeMutablePointer<Float>.allocate(capacity: C)
let out1 = UnsafeMutablePointer<Float>.allocate(capacity: C * H * W), out2 = UnsafeMutablePointer<Float>.allocate(capacity: C * H * W)
for i in 0..<(C * H * W + 64) { input[i] = Float.random(in: -1...1) }
for i in 0..<(C * 25) { weights[i] = Float.random(in: -1...1) }
for i in 0..<C { bias[i] = Float.random(in: -0.5...0.5) }
let T = UnsafeMutablePointer<Float>.allocate(capacity: (H + 5) * (W + 4) * 16 + 256); T.initialize(repeating: 0, count: (H + 5) * (W + 4) * 16 + 256)
let O = UnsafeMutablePointer<Float>.allocate(capacity: H * W * 16 + 256)
let taps = UnsafeMutablePointer<Float>.allocate(capacity: 25 * 16)
let tmp = UnsafeMutablePointer<Float>.allocate(capacity: 512)
let off = UnsafeMutablePointer<Int>.allocate(capacity: 16)
naive(input, weights, bias, out1, C: C, h: H, w: W)
dwcv(input, weights, bias, out2, c0: 0, c1: C, h: H, w: W, T: T, O: O, taps: taps, tmp: tmp, off: off)
var maxErr: Float = 0
for i in 0..<(C * H * W) { maxErr = max(maxErr, abs(out1[i] - out2[i])) }
print("max error", maxErr)
let flops = Double(C * H * W * 25 * 2)
var best = 0.0
for _ in 0..<8 {
    var n = 0
    let t0 = DispatchTime.now().uptimeNanoseconds
    while true {
        dwcv(input, weights, bias, out2, c0: 0, c1: C, h: H, w: W, T: T, O: O, taps: taps, tmp: tmp, off: off)
        n += 1
        if n % 16 == 0 && DispatchTime.now().uptimeNanoseconds - t0 > 250_000_000 { break }
    }
    let dt = Double(DispatchTime.now().uptimeNanoseconds - t0)
    best = max(best, flops * Double(n) / dt)
}
print(String(format: "dw5x5 c%d %dx%d: %.1f GFLOP/s", C, H, W, best))
