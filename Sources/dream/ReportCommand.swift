import ArgumentParser
import DreamCore
import DreamReport
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page of a run, a comparison and/or a calibration.",
        discussion: """
        Each INPUT is a run folder (dream run/sim --out DIR: results.json, and frames.csv, \
        trace.json and tuning.csv when present), a `dream compare --json` file or a \
        `dream calibrate` file: the kind is told from the content. The page needs no network \
        (inline SVG, CSS and a small script). It shows the run's timeline per accelerator core \
        (paged; pages past a size budget are left out and the page says so, with a downsampled \
        overview of the whole run), per-model latency CDFs and outcomes, DREAM's weight tuning \
        and variant switches, the comparison's bar charts and reductions, and the calibration's \
        predicted-against-measured scatter with its MAPE. Default output: DIR/report.html for a \
        run folder, else the first file with .html for .json.
        """)

    @Argument(help: "Run folders, comparison or calibration files.")
    var inputs: [String] = []

    @Option(name: .long, help: "A `dream compare --json` file.")
    var compare: String?

    @Option(name: .long, help: "A `dream calibrate` file.")
    var calibration: String?

    @Option(name: .long, help: "The HTML file to write.")
    var out: String?

    @Option(name: .long, help: "Length of one timeline page, ms (default: chosen from the run).")
    var pageMs: Double?

    @Option(name: .long, help: "Start the detailed timeline pages at this time, ms.")
    var fromMs: Double?

    @Option(name: .long, help: "Size budget of the detailed timeline pages, MB.")
    var timelineMb: Double = 2.5

    func validate() throws {
        if inputs.isEmpty && compare == nil && calibration == nil {
            throw ValidationError("give a run folder, a comparison or a calibration (dream report DIR [--out report.html])")
        }
        if let p = pageMs, !(p > 0) || !p.isFinite { throw ValidationError("--page-ms must be > 0, found \(p)") }
        if let f = fromMs, !(f >= 0) || !f.isFinite { throw ValidationError("--from-ms must be >= 0, found \(f)") }
        if !(timelineMb > 0) || timelineMb > 1000 { throw ValidationError("--timeline-mb must be in (0, 1000], found \(timelineMb)") }
    }

    func run() throws {
        try reportingErrors {
            var run: String?
            var cmp = compare
            var cal = calibration
            for input in inputs {
                switch try HTMLReport.detect(input) {
                case .runFolder:
                    if run != nil { throw DreamInputError(.usage, file: input, field: "", problem: "is a second run", fix: "report one run per page") }
                    run = input
                case .compare:
                    if cmp != nil { throw DreamInputError(.usage, file: input, field: "", problem: "is a second comparison", fix: "report one comparison per page") }
                    cmp = input
                case .calibration:
                    if cal != nil { throw DreamInputError(.usage, file: input, field: "", problem: "is a second calibration", fix: "report one calibration per page") }
                    cal = input
                }
            }
            let path = out ?? defaultOut(run: run, others: inputs.filter { $0 != run } + [cmp, cal].compactMap { $0 })
            let command = (["dream", "report"] + CommandLine.arguments.dropFirst(2)).joined(separator: " ")
            let options = HTMLReport.Options(pageMs: pageMs, fromMs: fromMs, maxTimelineBytes: Int(timelineMb * 1_000_000), generatedBy: command)
            let html = try HTMLReport.render(run: run, compare: cmp, calibration: cal, options: options)
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try AtomicFile.prepareFolder(dir, option: "--out")
            try HTMLReport.write(html, to: path)
            print("wrote \(path) (\(String(format: "%.1f", Double(html.utf8.count) / 1e6)) MB)")
        }
    }

    private func defaultOut(run: String?, others: [String]) -> String {
        if let run {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: run, isDirectory: &isDir), isDir.boolValue {
                return (run as NSString).appendingPathComponent("report.html")
            }
            return ((run as NSString).deletingLastPathComponent as NSString).appendingPathComponent("report.html")
        }
        let first = others.first ?? "report.json"
        return ((first as NSString).deletingPathExtension) + ".html"
    }
}
