import DreamCore
import Foundation
import Testing
@testable import DreamWorkloads

/// The repository root, found from this file's path (tests run from anywhere).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// XRBench's usage scenarios (../shared/xrbench/usage_scenarios next to the checkout).
let xrbenchScenarios: URL = {
    if let env = ProcessInfo.processInfo.environment["XRBENCH_DIR"] {
        return URL(fileURLWithPath: env).appendingPathComponent("usage_scenarios")
    }
    return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/xrbench/usage_scenarios")
}()

/// The error `body` throws, which must be a DreamInputError.
func inputError(_ body: () throws -> Void) -> DreamInputError? {
    do { try body() } catch let e as DreamInputError { return e } catch { return nil }
    return nil
}

/// Layer counts and FPS of every network, from the official files (counted by `Layer` lines).
let xrbenchExpected: [String: [(String, Int, Int, String?, Double?)]] = [
    "VR_gaming": [("ES_RITNet", 60, 42, nil, nil), ("GE_FBNet_C", 60, 63, "ES_RITNet", 1.0),
                  ("HT_hand_graph_cnn_half", 45, 224, nil, nil)],
    "AR_gaming": [("HT_hand_graph_cnn_half", 45, 224, nil, nil), ("DE_midas_v21_small", 30, 92, nil, nil),
                  ("PD_Plane_RCNN_Quarter", 15, 153, nil, nil)],
    "social_interactionA": [("ES_RITNet", 60, 42, nil, nil), ("GE_FBNet_C", 60, 63, "ES_RITNet", nil),
                            ("DR_RGBd_200", 30, 34, nil, nil), ("HT_hand_graph_cnn_half", 30, 224, nil, nil)],
    "social_interactionB": [("ES_RITNet", 60, 42, nil, nil), ("GE_FBNet_C", 60, 63, "ES_RITNet", nil),
                            ("AS_ED_TCN", 30, 4, nil, nil)],
    "outdoor_activity_A": [("KD_res8_narrow", 3, 8, nil, nil), ("ASR_EM_24L", 3, 120, "KD_res8_narrow", 0.2),
                           ("SS_HRViT_b1", 10, 423, nil, nil), ("OD_D2go_FasterRCNN", 30, 138, nil, nil)],
    "outdoor_activity_B": [("KD_res8_narrow", 3, 8, nil, nil), ("ASR_EM_24L", 3, 120, "KD_res8_narrow", 0.2),
                           ("D2go_FastRCNN", 30, 138, nil, nil)],
    "AR_Assistant": [("KD_res8_narrow", 3, 8, nil, nil), ("ASR_EM_24L", 3, 120, "KD_res8_narrow", 0.5),
                     ("SS_HRViT_b1", 10, 423, nil, nil), ("DE_midas_v21_small", 30, 92, nil, nil),
                     ("PD_Plane_RCNN_Quarter", 15, 153, nil, nil), ("OD_D2go_FasterRCNN", 10, 138, nil, nil)],
]

@Suite struct MaestroParserTests {
    @Test(arguments: ["VR_gaming", "AR_gaming", "social_interactionA", "social_interactionB",
                      "outdoor_activity_A", "outdoor_activity_B", "AR_Assistant"])
    func officialScenarioParses(name: String) throws {
        let path = xrbenchScenarios.appendingPathComponent("\(name).m").path
        let parsed = try MaestroFile.parse(ShippedFiles.readText(path, what: "MAESTRO"), file: path)
        let expected = xrbenchExpected[name]!
        #expect(parsed.networks.map(\.name) == expected.map(\.0))
        for (net, exp) in zip(parsed.networks, expected) {
            #expect(net.fps == exp.1, "\(net.name) FPS")
            #expect(net.layers.count == exp.2, "\(net.name) layer count")
            #expect(net.dependencies == (exp.3.map { [$0] } ?? []), "\(net.name) dependency")
            #expect(net.probability == exp.4, "\(net.name) probability")
            #expect(net.layers.allSatisfy { $0.type == "CONV" && $0.n == 1 })
        }
        // Writing back and parsing again gives the same networks (lines aside).
        let again = try MaestroFile.parse(parsed.maestroText(), file: "again.m")
        func strip(_ f: MaestroFile) -> [MaestroNetwork] {
            f.networks.map { n in
                var n = n; n.line = 0
                n.layers = n.layers.map { var l = $0; l.line = 0; return l }
                return n
            }
        }
        #expect(strip(again) == strip(parsed))
    }

    @Test func firstLayerAndLines() throws {
        let text = """
        Network ES_RITNet {

        FPS: 60

        Layer conv1 { 
        \tType: CONV
        \tDimensions: { N: 1, K: 32, C: 3, Y: 160, X: 100, R: 3, S: 3 }
        }
        }
        Network GE {
        Dependency: {
        \tES_RITNet\t
        }
        Probability: 1.0
        FPS:60 // trailing comment
        Layer fc { Type: CONV Dimensions: { K: 10, C: 20, Y: 1, X: 1, R: 1, S: 1 } }
        }
        """
        let f = try MaestroFile.parse(text, file: "t.m")
        #expect(f.networks.count == 2)
        #expect(f.networks[0].line == 1)
        #expect(f.networks[0].layers[0] == MaestroLayer(name: "conv1", type: "CONV", n: 1, k: 32, c: 3, y: 160, x: 100, r: 3, s: 3, line: 5))
        #expect(f.networks[1].dependencies == ["ES_RITNet"])
        #expect(f.networks[1].probability == 1.0)
        #expect(f.networks[1].fps == 60)
        #expect(f.networks[1].layers[0].n == 1)
    }

    @Test(arguments: [
        ("Network A {\nFPS: 3\nLayer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1 } }\n}", 3, "missing dimension S"),
        ("Network A {\nFPS: x3\n}", 2, "whole number"),
        ("Network A {\nFPS: 3\nLayer l { Type: CONV\n Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1, Q: 2 } }\n}", 4, "unknown dimension"),
        ("Network A {\nFPS: 3\n", 2, "ends early"),
        ("Network A {\nFPS: 3\n}\n}", 4, "expected `Network"),
        ("Network A {\nFPS: 3\nStride: 2\n}", 3, "unknown item"),
        ("Network A {\nProbability: high\n}", 2, "must be a number"),
        ("Network A {\nFPS: 3\nLayer l { Type: CONV Dimensions: { K: 0, C: 1, Y: 1, X: 1, R: 1, S: 1 } }\n}", 3, "must be positive"),
        ("Network A {\n}\nNetwork A {\n}", 3, "repeats the network name"),
        ("", 1, "contains no network"),
        ("Network A {\nFPS: 3 @\n}", 2, "unexpected character"),
    ])
    func syntaxErrorsNameTheLine(text: String, line: Int, problem: String) {
        let e = inputError { _ = try MaestroFile.parse(text, file: "bad.m") }
        #expect(e != nil)
        #expect(e?.kind == .data)
        #expect(e?.file == "bad.m")
        #expect(e?.field.hasPrefix("line \(line)") == true, "\(e?.field ?? "no error")")
        #expect(e?.problem.contains(problem) == true, "\(e?.problem ?? "no error")")
    }
}
