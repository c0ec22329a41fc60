import ArgumentParser
import DreamCore
import DreamWorkloads
import Foundation

struct ImportMaestroCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-maestro",
        abstract: "Convert a MAESTRO / XRBench .m model or scenario file into DreamRT model and scenario files.",
        discussion: """
        Writes OUT/models/NETWORK.yaml for each network (a network whose layers equal a model already in \
        OUT/models/ reuses it) and, when the networks have FPS, OUT/scenarios/NAME.yaml. Every layer \
        becomes a stride-1 conv; see workloads/README.md for the semantics.
        """)

    @Argument(help: "The MAESTRO .m file.")
    var file: String

    @Option(name: .long, help: "Output folder (gets models/ and scenarios/).")
    var out: String = "."

    @Option(name: .long, help: "Scenario name (default: the shipped name for XRBench files, else the file name).")
    var name: String?

    @Flag(name: .long, help: "Overwrite an existing scenario file that differs.")
    var force = false

    func run() throws {
        try reportingErrors {
            let text = try ShippedFiles.readText(file, what: "MAESTRO")
            let parsed = try MaestroFile.parse(text, file: file)
            let modelsDir = (out as NSString).appendingPathComponent("models")
            let scenariosDir = (out as NSString).appendingPathComponent("scenarios")
            var existing: [ModelSpec] = []
            if let items = try? FileManager.default.contentsOfDirectory(atPath: modelsDir) {
                for item in items.sorted() where ModelSpec.fileExtensions.contains((item as NSString).pathExtension) {
                    let path = (modelsDir as NSString).appendingPathComponent(item)
                    existing.append(try ModelSpec.parse(ShippedFiles.readText(path, what: "model"), file: path))
                }
            }
            let result = try parsed.imported(scenarioName: name, existing: existing)
            try write(result.models.map { ((modelsDir as NSString).appendingPathComponent("\($0.name).yaml"), $0.yamlText(), "model \($0.name) (\($0.defaultVariant.layers.count) layers)") }, overwrite: false)
            for net in parsed.networks where !result.models.contains(where: { $0.name == net.name }) {
                if let s = result.scenario?.streams.first(where: { $0.name == net.name }) {
                    print(s.modelRef == net.name ? "model \(net.name): already in \(modelsDir), unchanged"
                                                 : "network \(net.name): identical layers to model \(s.modelRef), reused")
                }
            }
            if let scenario = result.scenario {
                let path = (scenariosDir as NSString).appendingPathComponent("\(scenario.name).yaml")
                try write([(path, scenario.yamlText(), "scenario \(scenario.name) (\(scenario.streams.count) streams)")], overwrite: force)
            }
        }
    }

    private func write(_ files: [(path: String, text: String, what: String)], overwrite: Bool) throws {
        for f in files {
            let dir = (f.path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw DreamInputError(.cannotCreate, file: dir, field: "", problem: "cannot be created (\(error.localizedDescription))",
                                      fix: "choose a writable --out folder")
            }
            if let old = FileManager.default.contents(atPath: f.path), String(decoding: old, as: UTF8.self) != f.text, !overwrite {
                throw DreamInputError(.cannotCreate, file: f.path, field: "", problem: "already exists with different content",
                                      fix: "remove it, choose another --out or --name, or pass --force")
            }
            do {
                try f.text.write(toFile: f.path, atomically: true, encoding: .utf8)
            } catch {
                throw DreamInputError(.cannotCreate, file: f.path, field: "", problem: "cannot be written (\(error.localizedDescription))",
                                      fix: "choose a writable --out folder")
            }
            print("wrote \(f.path): \(f.what)")
        }
    }
}
