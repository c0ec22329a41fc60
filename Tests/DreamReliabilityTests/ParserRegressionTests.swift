import Foundation
import Testing
import DreamCore
import DreamWorkloads
import DreamXRBench
import DreamEngine

/// Inputs that trapped, hung or leaked before (found by hand or by `fuzz/run`), called in
/// process: a trap here kills the test runner, so each must now be a thrown DreamInputError.
/// Fuzzer findings keep their artifact name in the test's comment.

/// Any model name resolves to a small valid model (no file system).
let anyModel = ModelResolver { ref, _ in
    var m = try ModelSpec.parse("name: m\nlayers:\n  - {name: c1, op: conv, c: 3, h: 8, w: 8, k: 4, r: 3, pad: 1}\n", file: "m.yaml")
    m.name = ref
    return m
}

func inputError(_ body: () throws -> Void) -> DreamInputError? {
    do { try body() } catch let e as DreamInputError { return e } catch { Issue.record("not a DreamInputError: \(error)") }
    return nil
}

@Suite struct ModelRegressionTests {
    /// c * h * w overflowed Int inside LayerSpec.problem (a trap).
    @Test(arguments: [
        "{name: c1, op: conv, c: 10000000, h: 10000000, w: 10000000, k: 16, r: 3}",
        "{name: g, op: gemm, m: 4611686018427387904, n: 4, k: 4}",
        "{name: c1, op: conv, c: 1, h: 4611686018427387904, w: 1, k: 1, r: 1, pad: 4611686018427387904}",
        "{name: c1, op: conv, c: 3037000500, h: 3037000500, w: 1, k: 1, r: 1}",
        "{name: p, op: maxpool, c: 2147483648, h: 2147483648, w: 2147483648, r: 2147483648}",
        "{name: a, op: add, c: 9223372036854775807, h: 9223372036854775807, w: 2, inputs: [input, input]}",
        "{name: g, op: gemm, m: 40000, n: 40000, k: 1000}",
    ])
    func hugeShapesAreRefused(_ layer: String) {
        let e = inputError { _ = try ModelSpec.parse("name: m\nshapes: independent\nlayers:\n  - \(layer)\n", file: "m.yaml") }
        #expect(e?.file == "m.yaml")
        #expect(e?.field == "layers[0] (line 4)")
        #expect(e?.kind == .data)
    }

    @Test func checkedProblemAgreesWithProblemOnOrdinaryShapes() {
        let shapes: [LayerSpec] = [.conv("c", c: 16, k: 32, h: 28, w: 28, r: 3, stride: 2, pad: 1), .conv("d", c: 8, k: 8, h: 8, w: 8, r: 3, groups: 8),
                                   .gemm("g", m: 197, n: 768, k: 768), .pool("p", .avgpool, c: 8, h: 7, w: 7, size: 7, stride: 1),
                                   .add("a", c: 4, h: 4, w: 4), .conv("bad", c: 3, k: 8, h: 2, w: 2, r: 5), .conv("g0", c: 3, k: 8, h: 8, w: 8, r: 3, groups: 2)]
        for s in shapes { #expect(s.checkedProblem == s.problem, "\(s.name)") }
    }

    /// The largest shipped model (DE_midas_v21_small, 7.6e10 FLOPs) is 6.6x under the limit.
    @Test func everyShippedModelIsWithinTheFLOPLimit() throws {
        let dir = repositoryRoot.appendingPathComponent("workloads/models")
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasSuffix(".yaml") {
            let m = try ModelSpec.load(dir.appendingPathComponent(f).path)
            #expect(m.variants.allSatisfy { $0.flops < LayerSpec.maxFLOPs / 5 }, "\(f): \(m.variants.map(\.flops))")
        }
    }

    /// FileManager.contents(atPath:) leaked 4 KiB on an empty file (LeakSanitizer, calibration fuzzer).
    @Test func emptyFileReadsAsEmptyText() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dream-empty-\(getpid()).yaml").path
        FileManager.default.createFile(atPath: path, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try ShippedFiles.readText(path, what: "model") == "")
        let e = inputError { _ = try ModelSpec.load(path) }
        #expect(e?.problem == "is empty")
    }
}

@Suite struct ScenarioRegressionTests {
    func parse(_ streams: String) throws -> ScenarioSpec {
        try ScenarioSpec.parse("name: s\nstreams:\n\(streams)", file: "s.yaml", models: anyModel)
    }

    /// A cascade cycle was reported as "fps must be greater than 0".
    @Test func cascadeCycleIsReportedAsACycle() {
        let e = inputError { _ = try parse("  - {name: a, model: m, cascade: {after: b}}\n  - {name: b, model: m, cascade: {after: a}}\n") }
        #expect(e?.field == "streams[0].cascade.after (line 3)")
        #expect(e?.problem.contains("cycle (a -> b -> a)") == true)
    }

    /// fps 1e-300 trapped converting the period to Int; 1e300 made a 1 ns period (a hang);
    /// tiny Markov means and repeat periods made billions of intervals (a hang).
    @Test(arguments: [
        ("{model: m, fps: 1e-300}", "streams[0].fps (line 3)"),
        ("{model: m, fps: 1e300}", "streams[0].fps (line 3)"),
        ("{model: m, fps: 30, deadline_ms: 1e300}", "streams[0].deadline_ms (line 3)"),
        ("{model: m, fps: 30, offset_ms: 1e300}", "streams[0].offset_ms (line 3)"),
        ("{model: m, fps: 30, jitter_ms: 1e300}", "streams[0].jitter_ms (line 3)"),
        ("{model: m, fps: 30, activity: {markov: {mean_on_s: 1e-300, mean_off_s: 1}}}", "streams[0].activity.markov (line 3)"),
        ("{model: m, fps: 30, activity: {markov: {mean_on_s: 1e300, mean_off_s: 1}}}", "streams[0].activity.markov (line 3)"),
        ("{model: m, fps: 30, activity: {phases: [{start_s: 0, end_s: 1e-300}], repeat_s: 1e-300}}", "streams[0].activity.repeat_s (line 3)"),
        ("{model: m, fps: 30, activity: {phases: [{start_s: 0, end_s: 1e300}]}}", "streams[0].activity.phases (line 3)"),
    ])
    func extremeTimesAreRefusedWhenRead(_ stream: String, _ field: String) {
        let e = inputError { _ = try parse("  - \(stream)\n") }
        #expect(e?.file == "s.yaml")
        #expect(e?.field == field)
    }

    /// Values within the file limits but extreme together with the duration and time scale.
    @Test(arguments: [(86_400.0, 0.001), (1e6, 1), (10, 1e-12)])
    func tracesTooLargeAreRefused(_ duration: Double, _ timeScale: Double) throws {
        let spec = try parse("  - {name: a, model: m, fps: 100000}\n  - {name: b, model: m, cascade: {after: a}}\n")
        let e = inputError { _ = try WorkloadTrace.generate(scenario: spec, seed: 1, duration: duration, scale: WorkloadScale(time: timeScale)) }
        #expect(e?.kind == .usage)
        #expect(e?.file == "--duration")
    }

    @Test func fastMarkovActivityIsRefusedBeforeGenerating() throws {
        let spec = try parse("  - {model: m, fps: 1, activity: {markov: {mean_on_s: 0.001, mean_off_s: 0.001}}}\n")
        let e = inputError { _ = try WorkloadTrace.generate(scenario: spec, seed: 1, duration: 86_400, scale: .identity) }
        #expect(e?.field.contains("activity") == true)
        // ... while a short trace of it is fine.
        _ = try WorkloadTrace.generate(scenario: spec, seed: 1, duration: 1, scale: .identity)
    }

    /// `sim --fit` on a scenario that releases no frame (or skips every layer) computed a zero
    /// capacity and failed naming `--capacity-gflops`, an option sim does not have.
    @Test func fittingNothingIsTheIdentity() throws {
        #expect(try WorkloadScale.fit(capacityGFLOPs: 0, targetLoad: 0.8) { _ in 0 } == .identity)
        let e = inputError { _ = try WorkloadScale.fit(capacityGFLOPs: 1e-9, targetLoad: 0.8) { s in 100 / s.time } }
        #expect(e?.file == "--fit")
    }

    @Test(arguments: [0, -1, .infinity, .nan, 1e300, 10_001])
    func timeScaleOutOfRange(_ s: Double) {
        let e = inputError { try WorkloadScale(time: s).validate() }
        #expect(e?.file == "--time-scale")
    }

    /// The extremes the limits allow still generate without trapping.
    @Test func limitsThemselvesAreSafe() throws {
        let spec = try parse("""
              - {name: a, model: m, fps: 0.001, deadline_ms: 1e8, jitter_ms: 1e8, offset_ms: 1e8}
              - {name: b, model: m, fps: 100000, activity: {markov: {mean_on_s: 10000, mean_off_s: 10000, start: on}}}
              - {name: c, model: m, fps: 1, activity: {phases: [{start_s: 0, end_s: 100000}], repeat_s: 100000}}

            """)
        for s in [WorkloadScale.maxTime, 1] {
            _ = try WorkloadTrace.generate(scenario: spec, seed: 1, duration: 1, scale: WorkloadScale(time: s))
        }
    }
}

@Suite struct MaestroRegressionTests {
    /// K * C overflowed Int in the importer's shape check (a trap).
    @Test func hugeDimensionIsRefused() {
        let text = "Network a {\nFPS: 30\nLayer l { Type: CONV Dimensions: { K: 9223372036854775807, C: 9223372036854775807, Y: 5, X: 5, R: 3, S: 3 } }\n}\n"
        let e = inputError { _ = try MaestroFile.parse(text, file: "a.m").imported() }
        #expect(e?.field == "line 3 (Network a, Layer l)")
    }

    @Test func largeButValidDimensionsAreRefusedByTheImporter() {
        let text = "Network a {\nLayer l { Type: CONV Dimensions: { K: 2147483648, C: 2147483648, Y: 5, X: 5, R: 3, S: 3 } }\n}\n"
        let e = inputError { _ = try MaestroFile.parse(text, file: "a.m").imported() }
        #expect(e?.field == "line 2 (Network a, Layer l)")
        #expect(e?.problem.contains("too large") == true)
    }

    @Test func hugeFPSIsRefusedOnImport() {
        let text = "Network a {\nFPS: 1000000000000\nLayer l { Type: CONV Dimensions: { K: 4, C: 4, Y: 5, X: 5, R: 3, S: 3 } }\n}\n"
        let e = inputError { _ = try MaestroFile.parse(text, file: "a.m").imported() }
        #expect(e?.field == "line 1 (Network a)")
    }

    /// A network with layers `input` and `input_`: the rename made two `input_` layers and a
    /// model file that could not be read back.
    @Test func renamedInputLayerCannotCollide() {
        let text = "Network a {\nLayer input { Type: CONV Dimensions: { K: 4, C: 4, Y: 5, X: 5, R: 3, S: 3 } }\nLayer input_ { Type: CONV Dimensions: { K: 4, C: 4, Y: 5, X: 5, R: 3, S: 3 } }\n}\n"
        let e = inputError { _ = try MaestroFile.parse(text, file: "a.m").imported() }
        #expect(e?.problem.contains("repeats the layer name") == true)
    }
}
