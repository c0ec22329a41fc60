import ArgumentParser
import DreamCore
import DreamPlatform
import DreamSession
import Foundation

/// `dream merge DIR`: the tables, JSON and report of the plan's cells.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the cells of a plan into the tables, JSON and report a serial `dream compare` prints (byte-identical JSON in sim mode).")

    @Argument(help: "The plan folder.")
    var dir: String

    @Option(name: .long, help: "Write the comparison as JSON here.")
    var json: String?

    @Flag(name: .long, help: "With --json FILE: also write FILE with .html.")
    var html = false

    @Flag(name: .long, help: "Merge what has run and mark the comparison partial (otherwise missing cells are an error).")
    var partial = false

    func validate() throws {
        if html && json == nil { throw ValidationError("--html needs --json FILE") }
    }

    func run() throws {
        try reportingErrors {
            let plan = try SweepPlan.load(dir)
            if let json { try AtomicFile.prepareFolder(URL(fileURLWithPath: json).deletingLastPathComponent().path, option: "--json") }
            let (results, missing) = try plan.collectResults(in: dir, allowMissing: partial)
            try SweepReport(plan: plan, results: results, partial: !missing.isEmpty).emit(json: json, html: html, command: commandLine)
        }
    }
}
