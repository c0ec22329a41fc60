import Testing
@testable import DreamCore

@Suite struct LayerSpecTests {
    @Test func convShapeAndWork() {
        let l = LayerSpec.conv("c", c: 32, k: 64, h: 56, w: 56, r: 3, stride: 2, pad: 1)
        #expect(l.outHeight == 28 && l.outWidth == 28)
        #expect(l.macs == 64 * 28 * 28 * 32 * 9)
        #expect(l.flops == 2 * l.macs)
        #expect(l.problem == nil)
    }

    @Test func depthwiseAndGemm() {
        let dw = LayerSpec.conv("dw", c: 16, k: 16, h: 10, w: 10, r: 3, pad: 1, groups: 16)
        #expect(dw.isDepthwise && dw.macs == 16 * 100 * 9)
        let g = LayerSpec.gemm("fc", m: 4, n: 10, k: 7)
        #expect(g.macs == 280 && g.outputElements == 40 && g.inputElements == 28)
    }

    @Test func inconsistentShapesAreNamed() {
        #expect(LayerSpec.conv("g", c: 10, k: 8, h: 4, w: 4, r: 1, groups: 3).problem?.contains("groups") == true)
        #expect(LayerSpec.conv("k", c: 1, k: 1, h: 2, w: 2, r: 5).problem?.contains("larger than") == true)
        #expect(LayerSpec.conv("z", c: 0, k: 1, h: 2, w: 2, r: 1).problem?.contains("positive") == true)
    }
}
