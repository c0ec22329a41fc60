import Foundation
import Testing
import DreamCore
@testable import DreamEngine

private let ws0 = ResolvedAccelerator(index: 0, name: "ws0", dataflow: .ws, cores: [0], cpus: [0], numaNode: 0)
private let os1 = ResolvedAccelerator(index: 1, name: "os1", dataflow: .os, cores: [1], cpus: [1], numaNode: 0)

/// GE_FBNet_C's dominant layer: 1104 channels, 5x5 on a 5x4 output (122 MB of weights).
private let bigConv = LayerSpec.conv("conv51", c: 1104, k: 1104, h: 5, w: 4, r: 5, pad: 2)

@Suite struct AnalyticCostModelTests {
    @Test func tileUseCountsTheVirtualColumnsOfPaddedStride1Convolutions() {
        // 5x5, pad 2 on 5x4: 5 rows of the padded width 8 = 40 virtual columns, 2 panels of 32.
        #expect(AnalyticCostModel.activationColumns(bigConv) == 40)
        // ... but at 20 output pixels it streams its weights: 20 pixel rows (12 + 8) broadcast
        // against 1104 channels in 35 panels of 32.
        #expect(AnalyticCostModel.streamsWeights(bigConv))
        #expect(abs(AnalyticCostModel.tileUse(bigConv) - 1104.0 / 1120.0) < 1e-12)
        // Pointwise (read in place) and strided convolutions compute real output pixels only.
        let pointwise = LayerSpec.conv("pw", c: 1104, k: 352, h: 5, w: 4, r: 1)
        #expect(AnalyticCostModel.activationColumns(pointwise) == 20)
        #expect(abs(AnalyticCostModel.tileUse(pointwise) - 1.0) < 1e-12)
        // 144 pixels: not streamed (12 rows of the padded width 14 = 168 virtual columns).
        let wide = LayerSpec.conv("c", c: 64, k: 100, h: 12, w: 12, r: 3, pad: 1)
        #expect(!AnalyticCostModel.streamsWeights(wide))
        #expect(abs(AnalyticCostModel.tileUse(wide) - 144.0 / 192.0) < 1e-12)  // 100 channels = 8 x 12 + 4
        // 70 pixels of a 5x5 conv (4 panels of 32 virtual columns) stream: 72 rows computed.
        let fbnet = LayerSpec.conv("c", c: 672, k: 672, h: 10, w: 7, r: 5, pad: 2)
        #expect(AnalyticCostModel.streamsWeights(fbnet))
        #expect(abs(AnalyticCostModel.tileUse(fbnet) - 70.0 / 72.0) < 1e-12)
        // Rows on the broadcast side: the few-row tiles cost 4 rows for 1-3 rows (the 1-row tile
        // is bound by its B loads), 12 + 8 + 4 for 21-23.
        #expect(AnalyticCostModel.computedRows(1) == 4 && AnalyticCostModel.computedRows(3) == 4)
        #expect(AnalyticCostModel.computedRows(23) == 24 && AnalyticCostModel.computedRows(21) == 24)
        #expect(AnalyticCostModel.computedRows(20) == 20 && AnalyticCostModel.computedRows(36) == 36)
        #expect(abs(AnalyticCostModel.tileUse(.gemm("fc", m: 1, n: 5120, k: 512)) - 0.25) < 1e-12)
        // A 1-channel conv runs the 1-row tile: a quarter of the lanes' time, not 1/12.
        let oneChannel = LayerSpec.conv("c", c: 64, k: 1, h: 60, w: 80, r: 3, pad: 1)
        #expect(abs(AnalyticCostModel.tileUse(oneChannel) - 0.25 * 4800.0 / 4928.0) < 1e-12)
        let strided = LayerSpec.conv("s2", c: 16, k: 24, h: 9, w: 9, r: 3, stride: 2, pad: 1)
        #expect(AnalyticCostModel.activationColumns(strided) == 25)
        #expect(AnalyticCostModel.tileUse(LayerSpec.pool("p", .maxpool, c: 8, h: 8, w: 8, size: 2, stride: 2)) == 1)
    }

    @Test func weightsStreamOnlyWhenTheWorkingSetExceedsTheCache() {
        let p = RooflineParameters(gflopsPerCore: 100, bandwidthGBps: 20, weightBandwidthGBps: 10, overheadNs: 1000)
        let weights = AnalyticCostModel.weightBytes(bigConv)
        let compute = Double(bigConv.flops) / (100 * AnalyticCostModel.tileUse(bigConv))
        // Larger cache: a plain roofline (compute-bound here).
        let cached = AnalyticCostModel.latencyNs(bigConv, p, cores: 1, cacheBytes: 1e12)
        #expect(abs(cached - (1000 + compute)) < 1e-6 * cached)
        // Smaller cache: the weights stream at 10 GB/s on top of the compute.
        let streamed = AnalyticCostModel.latencyNs(bigConv, p, cores: 1, cacheBytes: 32 * 1_048_576)
        #expect(abs(streamed - (1000 + compute + weights / 10)) < 1e-6 * streamed)
        // Layers without weights never stream.
        let add = LayerSpec.add("a", c: 512, h: 128, w: 128)
        #expect(AnalyticCostModel.latencyNs(add, p, cores: 1, cacheBytes: 1) == AnalyticCostModel.latencyNs(add, p, cores: 1, cacheBytes: 1e12))
    }

    @Test func defaultModelStaysSensibleWithoutACalibration() {
        let m = AnalyticCostModel()
        let big = m.cost(of: bigConv, on: ws0).latencyNs
        // 1.2 GFLOP at 100 GFLOP/s on the weight-streaming tiles (20 pixel rows x 1104 of 1120
        // channel lanes) plus 122 MB at 10 GB/s: ~25 ms (12.6 ms measured with the streaming
        // tiles, bench/run kernels conv5x5_c1104_5x4/ws; 35 ms with the old pixel-lane tiles).
        #expect(big > 10e6 && big < 40e6, "\(big)")
        // Same work on a full tile, weights cached: faster per FLOP than the 5x4 layer.
        let wide = LayerSpec.conv("wide", c: 96, k: 96, h: 80, w: 50, r: 3, pad: 1)
        let perFlop = { (l: LayerSpec) in m.cost(of: l, on: ws0).latencyNs / Double(l.flops) }
        #expect(perFlop(wide) < perFlop(bigConv))
        for l in [bigConv, wide, LayerSpec.conv("dw", c: 32, k: 32, h: 64, w: 64, r: 3, pad: 1, groups: 32),
                  LayerSpec.gemm("fc", m: 1, n: 1000, k: 1280), LayerSpec.add("a", c: 8, h: 4, w: 4)] {
            let c = m.cost(of: l, on: os1)
            #expect(c.latencyNs.isFinite && c.latencyNs > 0 && c.energyJ > 0, "\(l.name)")
        }
    }
}

@Suite struct RooflineFitTests {
    /// Samples priced by a known model, on both dataflows.
    private func synthetic(_ truth: [String: RooflineParameters], cache: Double) -> [Calibration.Sample] {
        let shapes: [LayerSpec] = [
            bigConv, .conv("c2", c: 1104, k: 1104, h: 5, w: 4, r: 3, pad: 1), .conv("c3", c: 672, k: 672, h: 10, w: 7, r: 5, pad: 2),
            .conv("c4", c: 96, k: 96, h: 80, w: 50, r: 3, pad: 1), .conv("c5", c: 16, k: 16, h: 80, w: 50, r: 3, pad: 1),
            .conv("c6", c: 3, k: 16, h: 160, w: 100, r: 3, pad: 1), .conv("c7", c: 144, k: 144, h: 40, w: 25, r: 5, pad: 2),
            .conv("c8", c: 64, k: 64, h: 8, w: 8, r: 3, pad: 1), .conv("c9", c: 256, k: 256, h: 12, w: 16, r: 3, pad: 1),
        ]
        let model = AnalyticCostModel(parameters: truth, cacheBytes: cache)
        return shapes.flatMap { l in [ws0, os1].map { acc in
            let ns = model.cost(of: l, on: acc).latencyNs
            return Calibration.Sample(layer: l, accelerator: acc.index, medianNs: ns, minNs: ns, maxNs: ns, runs: 3)
        } }
    }

    @Test func fitRecoversAModelWithWeightStreaming() {
        let truth: [String: RooflineParameters] = [
            "conv/ws": .init(gflopsPerCore: 140, bandwidthGBps: 20, weightBandwidthGBps: 11, overheadNs: 3_000),
            "conv/os": .init(gflopsPerCore: 120, bandwidthGBps: 20, weightBandwidthGBps: 13, overheadNs: 6_000),
        ]
        let cache = 32.0 * 1_048_576
        let samples = synthetic(truth, cache: cache)
        let fitted = RooflineFit.fit(samples, accelerators: [ws0, os1], cacheBytes: cache)
        let mape = RooflineFit.mape(samples, model: AnalyticCostModel(parameters: fitted, cacheBytes: cache), accelerators: [ws0, os1])!
        #expect(mape < 1, "\(mape)% with \(fitted)")
        #expect(abs(fitted["conv/ws"]!.weightBandwidthGBps / 11 - 1) < 0.05)
    }
}

@Suite struct CalibrationFormatTests {
    private func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cal-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func current() throws -> [String: Any] {
        let samples = [bigConv, .conv("c", c: 8, k: 8, h: 8, w: 8, r: 3, pad: 1), .conv("d", c: 64, k: 64, h: 16, w: 16, r: 3, pad: 1)]
            .enumerated().map { Calibration.Sample(layer: $1, accelerator: 0, medianNs: [40e6, 20_000, 300_000][$0], minNs: 1, maxNs: 1, runs: 3,
                                                   work: $0 == 1 ? LayerWork(macs: $1.macs, l1: 7, l2: 8, llc: 9, dram: 10) : nil) }
        let c = Calibration(topology: "t", accelerators: [ws0], samples: samples,
                            parameters: RooflineFit.fit(samples, accelerators: [ws0]), heldOutLayerMAPE: nil, modelMAPE: [:],
                            cacheBytes: 32 * 1_048_576)
        return try JSONSerialization.jsonObject(with: c.jsonData()) as! [String: Any]
    }

    @Test func currentFilesRoundTrip() throws {
        let path = try write(String(decoding: try JSONSerialization.data(withJSONObject: current()), as: UTF8.self))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try Calibration.load(path)
        #expect(c.version == Calibration.formatVersion)
        let cache = try #require(c.cacheBytes)
        #expect(abs(cache - 33_554_432) < 1, "\(cache - 33_554_432)")
        #expect(c.costModel().fallback is AnalyticCostModel)
        // Counted work survives the file; a sample without it falls back to compulsory DRAM bytes.
        let counted = c.costModel().work(of: c.samples[1].layer, on: ws0)
        #expect(counted == LayerWork(macs: c.samples[1].layer.macs, l1: 7, l2: 8, llc: 9, dram: 10))
        #expect(c.costModel().work(of: bigConv, on: ws0) == LayerWork(macs: bigConv.macs, dram: bigConv.compulsoryBytes))
    }

    @Test func negativeCountedWorkIsRefused() throws {
        var json = try current()
        var samples = json["samples"] as! [[String: Any]]
        samples[1]["work"] = ["macs": 1, "l1": -1, "l2": 0, "llc": 0, "dram": 0]
        json["samples"] = samples
        let path = try write(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try Calibration.load(path) } throws: { "\($0)".contains("samples[1].work") && "\($0)".contains("re-run") }
    }

    @Test func formatOneFilesLoadWithRefittedParameters() throws {
        // A file written before formats were versioned: no version, no cache size, parameters
        // without a weight bandwidth (and fitted to the old roofline).
        var old = try current()
        old.removeValue(forKey: "version")
        old.removeValue(forKey: "cacheBytes")
        old["parameters"] = ["conv/ws": ["gflopsPerCore": 1, "bandwidthGBps": 1, "overheadNs": 1]]
        let path = try write(String(decoding: try JSONSerialization.data(withJSONObject: old), as: UTF8.self))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try Calibration.load(path)
        #expect(c.version == Calibration.formatVersion)
        let p = try #require(c.parameters["conv/ws"])
        #expect(p.gflopsPerCore > 1, "the stale format-1 parameters were refitted from the samples")
        #expect(p.weightBandwidthGBps > 0)
    }

    @Test func newerFormatsAreRefusedWithAClearError() throws {
        var newer = try current()
        newer["version"] = Calibration.formatVersion + 1
        let path = try write(String(decoding: try JSONSerialization.data(withJSONObject: newer), as: UTF8.self))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try Calibration.load(path)
        } throws: { error in
            guard let e = error as? DreamInputError else { return false }
            return e.field == "version" && e.problem.contains("\(Calibration.formatVersion + 1)") && e.fix.contains("dream calibrate")
        }
    }

    @Test func aNonPositiveWeightBandwidthIsRefused() throws {
        var bad = try current()
        bad["parameters"] = ["conv/ws": ["gflopsPerCore": 100, "bandwidthGBps": 20, "weightBandwidthGBps": 0, "overheadNs": 1]]
        let path = try write(String(decoding: try JSONSerialization.data(withJSONObject: bad), as: UTF8.self))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DreamInputError.self) { _ = try Calibration.load(path) }
    }
}
