import DreamCore
import Foundation

/// The result of converting a MAESTRO / XRBench file into our formats.
public struct MaestroImport: Sendable, Hashable {
    /// The models to write (networks whose layers equal a model in `existing` are not repeated).
    public var models: [ModelSpec]
    /// The scenario, when the file gives frame rates (an XRBench usage scenario); nil for a
    /// plain model file.
    public var scenario: ScenarioSpec?
}

extension MaestroFile {
    /// Our name for an XRBench scenario file: the shipped names for the seven official ones
    /// (`VR_gaming.m` -> `vr-gaming`, `social_interactionA.m` -> `social-a`, ...), otherwise the
    /// file's base name in lower case with `_` -> `-`.
    public static func scenarioName(forFile path: String) -> String {
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let known = ["VR_gaming": "vr-gaming", "AR_gaming": "ar-gaming", "social_interactionA": "social-a",
                     "social_interactionB": "social-b", "outdoor_activity_A": "outdoor-a",
                     "outdoor_activity_B": "outdoor-b", "AR_Assistant": "ar-assistant"]
        return known[base] ?? base.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    private func fail(_ line: Int, _ context: String, _ problem: String, _ fix: String) -> DreamInputError {
        DreamInputError(.data, file: file, field: "line \(line) (\(context))", problem: problem, fix: fix)
    }

    /// One network as a model, with XRBench semantics: every layer is a conv with stride 1 and
    /// groups 1 (`DSCONV`: depthwise, groups = C = K); Y, X are the input rows / columns, R, S
    /// the kernel. Padding per axis: the p in [0, R) that makes this layer's output equal the
    /// next layer's input, when one exists; otherwise "same" padding (R - 1) / 2. Shapes are
    /// `independent` (each layer is priced on its own, as XRBench does).
    public func model(of net: MaestroNetwork) throws -> ModelSpec {
        var layers: [LayerSpec] = []
        for (i, l) in net.layers.enumerated() {
            let ctx = "Network \(net.name), Layer \(l.name)"
            if l.n != 1 {
                throw fail(l.line, ctx, "has batch N = \(l.n); DreamRT models run batch 1", "write N: 1")
            }
            let next = i + 1 < net.layers.count ? net.layers[i + 1] : nil
            func pad(_ size: Int, _ kernel: Int, _ nextSize: Int?) -> Int {
                if let n = nextSize {
                    let twice = n - size + kernel - 1
                    if twice >= 0, twice % 2 == 0, twice / 2 < kernel { return twice / 2 }
                }
                return (kernel - 1) / 2
            }
            let padH = pad(l.y, l.r, next?.y), padW = pad(l.x, l.s, next?.x)
            var spec: LayerSpec
            switch l.type.uppercased() {
            case "CONV":
                spec = LayerSpec(name: l.name, op: .conv, inChannels: l.c, inHeight: l.y, inWidth: l.x, outChannels: l.k,
                                 kernelH: l.r, kernelW: l.s, padH: padH, padW: padW)
            case "DSCONV":
                spec = LayerSpec(name: l.name, op: .conv, inChannels: l.c, inHeight: l.y, inWidth: l.x, outChannels: l.c,
                                 kernelH: l.r, kernelW: l.s, padH: padH, padW: padW, groups: l.c)
            default:
                throw fail(l.line, ctx, "has an unknown layer type `\(l.type)`", "use CONV (or DSCONV); FC and attention layers are 1x1 CONVs")
            }
            if spec.name == "input" { spec.name = "input_" }
            if let p = spec.problem { throw fail(l.line, ctx, "has an impossible shape: \(p)", "correct its Dimensions") }
            layers.append(spec)
        }
        if layers.isEmpty { throw fail(net.line, "Network \(net.name)", "has no layers", "add its `Layer` blocks") }
        let model = ModelSpec(name: net.name,
                         description: "Imported from MAESTRO: \(layers.count) stride-1 CONV layers, shapes priced independently (XRBench semantics).",
                         source: "\((file as NSString).lastPathComponent), network \(net.name)",
                         shapes: .independent, variants: [ModelVariant(name: "default", layers: layers)])
        // The checks `dream` applies when it reads the written model file back (names, size).
        try model.validate(file: file) { _, l in
            l.map { "line \(net.layers[$0].line) (Network \(net.name), Layer \(net.layers[$0].name))" } ?? "line \(net.line) (Network \(net.name))"
        }
        return model
    }

    /// Converts the whole file: one model per network (reusing a model of `existing`, or of an
    /// earlier network, whose layers are identical), and the scenario when networks give FPS.
    /// Checks FPS > 0, Probability in [0, 1], a Dependency naming a network of the file, and no
    /// dependency cycle; every error names the MAESTRO line.
    public func imported(scenarioName: String? = nil, existing: [ModelSpec] = []) throws -> MaestroImport {
        var models: [ModelSpec] = []
        var refs: [String] = []
        var known = existing
        for net in networks {
            var m = try model(of: net)
            if let same = known.first(where: { $0.variants == m.variants }) {
                refs.append(same.name)
                continue
            }
            if let clash = known.first(where: { $0.name == m.name }) {
                // Same name, different layers: keep both apart.
                var n = 2
                while known.contains(where: { $0.name == "\(clash.name)_\(n)" }) { n += 1 }
                m.name = "\(clash.name)_\(n)"
            }
            known.append(m)
            models.append(m)
            refs.append(m.name)
        }
        let withFPS = networks.filter { $0.fps != nil }
        if withFPS.isEmpty {
            if let d = networks.first(where: { !$0.dependencies.isEmpty || $0.probability != nil }) {
                throw fail(d.line, "Network \(d.name)", "has a Dependency or Probability but no network has an FPS",
                           "give every network of a scenario its `FPS:`")
            }
            return MaestroImport(models: models, scenario: nil)
        }
        var streams: [StreamSpec] = []
        for (i, net) in networks.enumerated() {
            let ctx = "Network \(net.name)"
            guard let fps = net.fps else {
                throw fail(net.line, ctx, "has no FPS while other networks do", "add `FPS: <frames per second>`")
            }
            if fps <= 0 { throw fail(net.line, ctx, "has FPS \(fps)", "give a frame rate greater than 0") }
            var cascade: Cascade?
            if net.dependencies.count > 1 {
                throw fail(net.line, ctx, "depends on \(net.dependencies.count) networks; DreamRT cascades have one upstream",
                           "keep one network in Dependency")
            }
            if let p = net.probability, !(0...1).contains(p) {
                throw fail(net.line, ctx, "has Probability \(p), outside [0, 1]", "give a probability between 0 and 1")
            }
            if let up = net.dependencies.first {
                guard let u = network(named: up) else {
                    throw fail(net.line, ctx, "depends on `\(up)`, which is not a network of this file",
                               "name one of: \(networks.map(\.name).joined(separator: ", "))")
                }
                if u.fps != fps {
                    throw fail(net.line, ctx, "runs at \(fps) FPS but its upstream \(up) at \(u.fps.map(String.init) ?? "?"); a cascade runs once per upstream frame",
                               "give both the same FPS")
                }
                cascade = Cascade(after: up, probability: net.probability ?? 1)
            } else if net.probability != nil {
                throw fail(net.line, ctx, "has a Probability but no Dependency", "add `Dependency: { UPSTREAM }` or remove the Probability")
            }
            // Stream names are the network names; models by (possibly shared) model name.
            let model = known.first { $0.name == refs[i] }!
            streams.append(StreamSpec(name: net.name, modelRef: refs[i], model: model, fps: Double(fps), cascade: cascade))
        }
        let name = scenarioName ?? Self.scenarioName(forFile: file)
        let scenario = ScenarioSpec(name: name, description: "Imported from XRBench / MAESTRO file \((file as NSString).lastPathComponent).",
                                    source: (file as NSString).lastPathComponent, streams: streams)
        try scenario.validate(file: file) { i, _ in "line \(self.networks[i].line) (Network \(self.networks[i].name))" }
        return MaestroImport(models: models, scenario: scenario)
    }
}
