import DreamCore
import Foundation
import Testing
@testable import DreamWorkloads

let workloadsDir = repositoryRoot.appendingPathComponent("workloads")
let shippedScenarios = ["vr-gaming", "ar-gaming", "social-a", "social-b", "outdoor-a", "outdoor-b", "ar-assistant",
                        "ar-dynamic", "drone"]

func shippedScenario(_ name: String) throws -> ScenarioSpec {
    let path = workloadsDir.appendingPathComponent("scenarios/\(name).yaml").path
    return try ScenarioSpec.parse(ShippedFiles.readText(path, what: "scenario"), file: path)
}

func shippedModelFiles() throws -> [String] {
    let dir = workloadsDir.appendingPathComponent("models").path
    return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        .map { (dir as NSString).appendingPathComponent($0) }
}

/// A small chained model written in the format, for validation tests.
let tinyModel = """
name: tiny
layers:
  - {name: c1, op: conv, c: 3, h: 32, w: 32, k: 16, r: 3, stride: 2, pad: 1, act: relu}
  - {name: c2, op: conv, c: 16, h: 16, w: 16, k: 16, r: 3, pad: 1, groups: 16}
  - {name: c3, op: conv, c: 16, h: 16, w: 16, k: 16, r: 1}
  - {name: a1, op: add, c: 16, h: 16, w: 16, inputs: [c3, c1]}
  - {name: p, op: avgpool, c: 16, h: 16, w: 16, r: 16}
  - {name: fc, op: gemm, m: 1, n: 10, k: 16}
skip_blocks:
  - {name: blk, first: c2, last: a1, probability: 0.5}
early_exits:
  - {name: ex, after: a1, probability: 0.25}
"""

func tinyScenario(_ streams: String) -> String {
    "name: t\nstreams:\n" + streams
}

/// Resolves `tiny` to the model above and anything else through the shipped files.
let testResolver = ModelResolver { ref, file in
    if ref == "tiny" { return try ModelSpec.parse(tinyModel, file: "tiny.yaml") }
    return try ModelResolver.files.resolve(ref, file)
}

@Suite struct ModelFormatTests {
    @Test func shippedModelsRoundTrip() throws {
        let files = try shippedModelFiles()
        #expect(files.count == 14, "11 XRBench models + 3 own")
        for path in files {
            let text = try ShippedFiles.readText(path, what: "model")
            let m = try ModelSpec.parse(text, file: path)
            let again = try ModelSpec.parse(m.yamlText(), file: path)
            #expect(again == m, "\(path)")
            if m.shapes == .independent { #expect(m.yamlText() == text, "imported files are written by yamlText") }
        }
    }

    @Test func tinyModelParsesWithGraphAndBlocks() throws {
        let m = try ModelSpec.parse(tinyModel, file: "tiny.yaml")
        let v = m.defaultVariant
        #expect(v.layers.count == 6)
        #expect(v.inputs[3] == [2, 0])
        #expect(v.layers[1].isDepthwise)
        #expect(v.layers[4].op == .avgpool && v.layers[4].groups == 16)
        #expect(v.skipBlocks == [SkipBlock(name: "blk", first: 1, last: 3, probability: 0.5),
                                 SkipBlock(name: "ex", first: 4, last: 5, probability: 0.25, earlyExit: true)])
        #expect(v.executedLayerIndices(skipping: ["blk"]) == [0, 4, 5])
        #expect(v.executedLayerIndices(skipping: ["ex"]) == [0, 1, 2, 3])
        #expect(v.executedLayerIndices(skipping: []) == [0, 1, 2, 3, 4, 5])
        #expect(try ModelSpec.parse(m.yamlText(), file: "again.yaml") == m)
    }

    @Test func supernetVariantsHaveAccuracies() throws {
        let m = try ModelSpec.load(workloadsDir.appendingPathComponent("models/SN_mobilenetv2_supernet.yaml").path)
        #expect(m.variants.count == 4)
        #expect(m.variants.allSatisfy { $0.accuracy != nil })
        #expect(m.variants.map(\.flops) == m.variants.map(\.flops).sorted(by: >), "variant 0 is the largest")
        #expect(m.defaultVariant.flops > 500_000_000 && m.defaultVariant.flops < 700_000_000, "MobileNetV2: about 0.3 GMAC")
        #expect(!m.skipBlockNames.isEmpty)
    }

    @Test(arguments: [
        ("{name: x, op: dense, c: 1, h: 1, w: 1, k: 1, r: 1}", "unknown layer op", "op"),
        ("{name: x, op: conv, c: 1, h: 1, w: 1, k: 1, r: 1, colour: red}", "not a known field", "colour"),
        ("{name: x, op: conv, c: 1, h: 1, w: 1, k: 1}", "is missing", "r"),
        ("{name: x, op: conv, c: 1, h: two, w: 1, k: 1, r: 1}", "must be an integer", "h"),
        ("{name: x, op: conv, c: 3, h: 8, w: 8, k: 4, r: 3, groups: 2}", "groups", "layers[0]"),
    ])
    func badLayerIsRefused(layer: String, problem: String, field: String) {
        let e = inputError { _ = try ModelSpec.parse("name: m\nlayers:\n  - \(layer)\n", file: "m.yaml") }
        #expect(e?.problem.contains(problem) == true, "\(String(describing: e))")
        #expect(e?.field.contains(field) == true, "\(String(describing: e))")
        #expect(e?.field.contains("line 3") == true, "\(String(describing: e))")
    }

    @Test func shapesThatDoNotChainAreRefused() {
        let text = "name: m\nlayers:\n  - {name: a, op: conv, c: 3, h: 8, w: 8, k: 4, r: 3}\n  - {name: b, op: conv, c: 4, h: 8, w: 8, k: 4, r: 3}\n"
        let e = inputError { _ = try ModelSpec.parse(text, file: "m.yaml") }
        #expect(e?.problem.contains("do not chain") == true, "\(String(describing: e))")
        #expect(e?.field.contains("line 4") == true)
        // The same layers declared independent (imported semantics) are accepted.
        #expect(inputError { _ = try ModelSpec.parse("shapes: independent\n" + text, file: "m.yaml") } == nil)
    }

    @Test func forwardReferenceIsACycle() {
        let text = "name: m\nlayers:\n  - {name: a, op: conv, c: 4, h: 8, w: 8, k: 4, r: 1, inputs: [b]}\n  - {name: b, op: conv, c: 4, h: 8, w: 8, k: 4, r: 1}\n"
        let e = inputError { _ = try ModelSpec.parse(text, file: "m.yaml") }
        #expect(e?.problem.contains("cycle") == true, "\(String(describing: e))")
    }

    @Test func unknownInputLayerIsRefused() {
        let text = "name: m\nlayers:\n  - {name: a, op: conv, c: 4, h: 8, w: 8, k: 4, r: 1, inputs: [zz]}\n"
        let e = inputError { _ = try ModelSpec.parse(text, file: "m.yaml") }
        #expect(e?.problem.contains("`zz`") == true)
        #expect(e?.field.contains("line 3") == true)
    }

    @Test func nonResidualSkipBlockAndBadProbabilityAreRefused() {
        let base = "name: m\nlayers:\n  - {name: a, op: conv, c: 3, h: 8, w: 8, k: 4, r: 1}\n  - {name: b, op: conv, c: 4, h: 8, w: 8, k: 4, r: 1}\n"
        let e1 = inputError { _ = try ModelSpec.parse(base + "skip_blocks:\n  - {name: s, first: a, last: b, probability: 0.5}\n", file: "m.yaml") }
        #expect(e1?.problem.contains("changes the shape") == true, "\(String(describing: e1))")
        let e2 = inputError { _ = try ModelSpec.parse(base + "skip_blocks:\n  - {name: s, first: b, last: b, probability: 1.5}\n", file: "m.yaml") }
        #expect(e2?.problem.contains("[0, 1]") == true, "\(String(describing: e2))")
        #expect(e2?.field.contains("line 6") == true, "\(String(describing: e2))")
    }
}

@Suite struct ScenarioTests {
    @Test(arguments: shippedScenarios)
    func shippedScenarioLoadsByNameAndRoundTrips(name: String) throws {
        let s = try shippedScenario(name)
        #expect(s.name == name)
        let path = workloadsDir.appendingPathComponent("scenarios/\(name).yaml").path
        #expect(try ScenarioSpec.parse(s.yamlText(), file: path) == s)
        #expect(try ScenarioSpec.load(path) == s)
    }

    @Test func ownScenariosHaveAllThreeLevelsOfDynamism() throws {
        for name in ["ar-dynamic", "drone"] {
            let s = try shippedScenario(name)
            #expect(s.streams.contains { $0.activity != .always }, "task: phases or Markov")
            #expect(s.streams.contains { $0.cascade != nil }, "task: cascade")
            #expect(s.streams.contains { $0.model.variants.count > 1 }, "model: variants")
            #expect(s.streams.contains { !$0.model.skipBlockNames.isEmpty }, "layer: skip blocks")
        }
        let ar = try shippedScenario("ar-dynamic")
        let ht = ar.streams.first { $0.name == "HT_hand_graph_cnn_half" }!
        if case .markov = ht.activity {} else { Issue.record("hand tracking switches on and off") }
    }

    @Test func scenarioRoundTripWithEveryField() throws {
        let text = tinyScenario("""
          - name: a
            model: tiny
            fps: 30.0
            deadline_ms: 20.0
            jitter_ms: 1.5
            offset_ms: 2.0
            activity: {phases: [{start_s: 0.0, end_s: 1.0}, {start_s: 2.0, end_s: 2.5}], repeat_s: 4.0}
          - name: b
            model: tiny
            fps: 30.0
            cascade: {after: a, probability: 0.3, when: {mean_true_frames: 5.0, mean_false_frames: 2.0}}
            activity: {markov: {mean_on_s: 1.0, mean_off_s: 0.5, start: off}}
          - name: c
            model: tiny
            fps: 30.0
            cascade: {after: b, probability: 1.0}

        """)
        let s = try ScenarioSpec.parse(text, file: "t.yaml", models: testResolver)
        #expect(s.yamlText() == text)
        #expect(try ScenarioSpec.parse(s.yamlText(), file: "t.yaml", models: testResolver) == s)
    }

    @Test func cascadeInheritsItsUpstreamRate() throws {
        let s = try ScenarioSpec.parse(tinyScenario("  - {name: a, model: tiny, fps: 20}\n  - {name: b, model: tiny, cascade: {after: a}}\n"),
                                       file: "t.yaml", models: testResolver)
        #expect(s.streams[1].fps == 20)
    }

    @Test(arguments: [
        ("  - {name: a, model: nosuchmodel, fps: 30}\n", "unknown model", "line 3"),
        ("  - {name: a, model: tiny, fps: 30}\n  - {name: b, model: tiny, cascade: {after: zz}}\n", "not a stream of this scenario", "line 4"),
        ("  - {name: a, model: tiny, fps: 30, cascade: {after: b}}\n  - {name: b, model: tiny, fps: 30, cascade: {after: a}}\n", "cycle", "line 3"),
        ("  - {name: a, model: tiny, fps: 0}\n", "greater than 0", "line 3"),
        ("  - {name: a, model: tiny, fps: -5}\n", "greater than 0", "line 3"),
        ("  - {name: a, model: tiny, fps: 30}\n  - {name: b, model: tiny, cascade: {after: a, probability: 1.2}}\n", "[0, 1]", "line 4"),
        ("  - {name: a, model: tiny, fps: 30}\n  - {name: b, model: tiny, cascade: {after: a, probability: -0.1}}\n", "[0, 1]", "line 4"),
        ("  - {name: a, model: tiny, fps: 30, speed: 2}\n", "not a known field", "line 3"),
        ("  - {name: a, model: tiny}\n", "is missing", "fps"),
        ("  - {name: a, model: tiny, fps: 30}\n  - {name: a, model: tiny, fps: 30}\n", "repeats the stream name", "line 4"),
        ("  - {name: a, model: tiny, fps: 30, activity: {phases: [{start_s: 2, end_s: 1}]}}\n", "empty or negative", "line 3"),
        ("  - {name: a, model: tiny, fps: 30, activity: {markov: {mean_on_s: 0, mean_off_s: 1}}}\n", "greater than 0", "line 3"),
        ("  - {name: a, model: tiny, fps: 30}\n  - {name: b, model: tiny, fps: 10, cascade: {after: a}}\n", "once per upstream frame", "line 4"),
    ])
    func invalidScenarioIsRefused(streams: String, problem: String, field: String) {
        let e = inputError { _ = try ScenarioSpec.parse(tinyScenario(streams), file: "t.yaml", models: testResolver) }
        #expect(e != nil)
        #expect(e?.file == "t.yaml")
        #expect(e?.problem.contains(problem) == true, "\(String(describing: e))")
        #expect(e?.field.contains(field) == true, "\(String(describing: e))")
    }
}

@Suite struct ImporterTests {
    @Test func allSevenXRBenchFilesConvertToElevenModels() throws {
        var existing: [ModelSpec] = []
        var scenarios: [String: ScenarioSpec] = [:]
        for (file, expected) in xrbenchExpected.sorted(by: { $0.key < $1.key }) {
            let path = xrbenchScenarios.appendingPathComponent("\(file).m").path
            let parsed = try MaestroFile.parse(ShippedFiles.readText(path, what: "MAESTRO"), file: path)
            let result = try parsed.imported(existing: existing)
            existing += result.models
            let s = try #require(result.scenario)
            scenarios[s.name] = s
            #expect(s.streams.map(\.name) == expected.map(\.0))
            for (stream, exp) in zip(s.streams, expected) {
                #expect(stream.fps == Double(exp.1), "\(stream.name) FPS")
                #expect(stream.model.defaultVariant.layers.count == exp.2, "\(stream.name) layers")
                #expect(stream.cascade?.after == exp.3)
                if exp.3 != nil { #expect(stream.cascade?.probability == (exp.4 ?? 1)) }
                #expect(stream.model.shapes == .independent)
                #expect(stream.model.defaultVariant.layers.allSatisfy { $0.op == .conv && $0.strideH == 1 && $0.problem == nil })
            }
        }
        #expect(existing.count == 11, "\(existing.map(\.name))")
        #expect(Set(scenarios.keys) == ["vr-gaming", "ar-gaming", "social-a", "social-b", "outdoor-a", "outdoor-b", "ar-assistant"])
        #expect(scenarios["outdoor-b"]?.streams[2].modelRef == "OD_D2go_FasterRCNN", "identical networks share a model")
        // The shipped files are exactly these conversions.
        for (name, s) in scenarios {
            let shipped = try shippedScenario(name)
            let same = shipped.streams.map(\.model.variants) == s.streams.map(\.model.variants)
            #expect(same, "\(name): shipped models equal the conversion")
            #expect(shipped.streams.map(\.fps) == s.streams.map(\.fps))
        }
    }

    @Test func paddingChainsWhenTheFileSaysSo() throws {
        let text = """
        Network n {
        FPS: 10
        Layer a { Type: CONV Dimensions: { K: 8, C: 3, Y: 32, X: 32, R: 3, S: 3 } }
        Layer b { Type: CONV Dimensions: { K: 8, C: 8, Y: 30, X: 32, R: 3, S: 3 } }
        Layer c { Type: CONV Dimensions: { K: 8, C: 8, Y: 30, X: 32, R: 1, S: 1 } }
        }
        """
        let m = try MaestroFile.parse(text, file: "n.m").model(of: MaestroFile.parse(text, file: "n.m").networks[0])
        let l = m.defaultVariant.layers
        #expect(l[0].padH == 0 && l[0].padW == 1, "a: 32 -> 30 rows (valid), 32 -> 32 columns (same)")
        #expect(l[0].outHeight == 30 && l[0].outWidth == 32)
        #expect(l[1].padH == 1 && l[1].padW == 1, "b: chains to 30x32 with same padding")
        #expect(l[2].padH == 0)
    }

    @Test(arguments: [
        ("Network a {\nFPS: 0\nLayer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } }\n}", "has FPS 0", "line 1"),
        ("Network a {\nFPS: 3\nLayer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } }\n}\nNetwork b {\nFPS: 3\nProbability: 1.5\nDependency: { a }\nLayer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } }\n}",
         "outside [0, 1]", "line 5"),
        ("Network a {\nFPS: 3\nDependency: { zz }\nLayer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } }\n}", "not a network of this file", "line 1"),
        ("Network a {\nFPS: 3\nDependency: { b }\nLayer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } }\n}\nNetwork b {\nFPS: 3\nDependency: { a }\nLayer l { Type: CONV Dimensions: { K: 2, C: 1, Y: 1, X: 1, R: 1, S: 1 } }\n}",
         "cycle", "line"),
        ("Network a {\nFPS: 3\nLayer l { Type: POOL Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } }\n}", "unknown layer type", "line 3"),
    ])
    func invalidMaestroScenarioIsRefused(text: String, problem: String, field: String) {
        let e = inputError { _ = try MaestroFile.parse(text, file: "bad.m").imported() }
        #expect(e?.problem.contains(problem) == true, "\(String(describing: e))")
        #expect(e?.field.hasPrefix(field) == true, "\(String(describing: e))")
        #expect(e?.file == "bad.m")
    }
}
