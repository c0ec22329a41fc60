import DreamCore
import DreamWorkloads

/// An XRBench usage scenario as the official runtime sees it: models with a frame rate, the
/// models they are cascaded after, and the chance that a frame is created.
public struct XRBenchScenario: Sendable, Hashable, Codable {
    public struct Model: Sendable, Hashable, Codable {
        public var name: String
        public var fps: Int
        /// Upstream models: frame k runs only after each of them completed k + 1 inferences.
        public var dependencies: [String]
        /// Chance that a frame is created (float32, as the official code stores it); 1 if absent.
        public var probability: Float

        public init(name: String, fps: Int, dependencies: [String] = [], probability: Float = 1) {
            self.name = name
            self.fps = fps
            self.dependencies = dependencies
            self.probability = probability
        }

        /// `1000 / FPS` in integer ms (60 -> 16, 45 -> 22, 30 -> 33).
        public var periodMs: Int { 1000 / fps }
        /// Frames injected in a run of `durationMs`: `floor(durationMs / period)`.
        public func frames(durationMs: Int) -> Int { durationMs / periodMs }
    }

    public var name: String
    /// In file order (the order the official load generator visits, and draws random numbers for).
    public var models: [Model]
    public var file: String

    /// Validates: at least one model, distinct names, 1 <= FPS <= 1000, known upstream models
    /// (not itself), probability in [0, 1].
    public init(name: String, models: [Model], file: String = "<scenario>") throws {
        self.name = name
        self.models = models
        self.file = file
        guard !models.isEmpty else {
            throw DreamInputError(.data, file: file, field: "", problem: "has no model", fix: "give at least one `Network NAME { FPS: n ... }`")
        }
        var names = Set<String>()
        for m in models {
            guard names.insert(m.name).inserted else {
                throw DreamInputError(.data, file: file, field: "Network \(m.name)", problem: "repeats a model name", fix: "give each model once")
            }
        }
        for m in models {
            let place = "Network \(m.name)"
            guard m.fps >= 1, m.fps <= 1000 else {
                throw DreamInputError(.data, file: file, field: "\(place): FPS", problem: "is \(m.fps); the runtime needs 1 to 1000 (its period is 1000 / FPS whole ms)",
                                      fix: "write an FPS from 1 to 1000")
            }
            guard m.probability >= 0, m.probability <= 1 else {
                throw DreamInputError(.data, file: file, field: "\(place): Probability", problem: "is \(m.probability), not a probability",
                                      fix: "write a Probability from 0 to 1")
            }
            for d in m.dependencies {
                guard d != m.name else {
                    throw DreamInputError(.data, file: file, field: "\(place): Dependency", problem: "names the model itself",
                                          fix: "list only upstream models")
                }
                guard names.contains(d) else {
                    throw DreamInputError(.data, file: file, field: "\(place): Dependency", problem: "names `\(d)`, which is not a model of the scenario",
                                          fix: "use one of: \(models.map(\.name).joined(separator: ", "))")
                }
            }
        }
    }

    /// The scenario of an XRBench `.m` file (parsed by `MaestroFile`); every network needs `FPS`.
    public init(_ maestro: MaestroFile, name: String? = nil) throws {
        var models: [Model] = []
        for net in maestro.networks {
            guard let fps = net.fps else {
                throw DreamInputError(.data, file: maestro.file, field: "line \(net.line) (Network \(net.name))", problem: "has no FPS",
                                      fix: "add `FPS: n` (an XRBench scenario gives every model a frame rate)")
            }
            models.append(Model(name: net.name, fps: fps, dependencies: net.dependencies,
                                probability: net.probability.map { Float($0) } ?? 1))
        }
        let base = maestro.file.split(separator: "/").last.map(String.init) ?? maestro.file
        let stem = base.hasSuffix(".m") ? String(base.dropLast(2)) : base
        try self.init(name: name ?? stem, models: models, file: maestro.file)
    }

    /// Model names in byte-wise (ASCII) order: the official runtime's `std::map` order.
    public var modelNamesInByteOrder: [String] { models.map(\.name).sorted(by: XRBenchScenario.byteOrder) }

    /// Byte-wise comparison of UTF-8 names (as C++ `std::string` compares).
    public static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}
