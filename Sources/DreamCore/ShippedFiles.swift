import Foundation

/// Finds the project's shipped data folders (topologies/, workloads/) and reads user files.
///
/// Search order: `$DREAM_HOME`, the current directory and its parents, then the folders above
/// the running executable (so `.build/release/dream` finds the checkout it was built from).
public enum ShippedFiles {
    public static func folder(_ name: String) -> URL? {
        var roots: [URL] = []
        if let home = ProcessInfo.processInfo.environment["DREAM_HOME"] { roots.append(URL(fileURLWithPath: home)) }
        roots.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        roots.append(URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent())
        for root in roots {
            var dir = root.standardizedFileURL
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent(name)
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue,
                   FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                    return candidate
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    /// Reads a text file, with errors that name it: missing, a directory, unreadable, not UTF-8.
    public static func readText(_ path: String, what: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DreamInputError(.noInput, file: path, field: "", problem: "does not exist",
                                  fix: "give the path of an existing \(what) file, or a shipped name")
        }
        if isDir.boolValue {
            throw DreamInputError(.noInput, file: path, field: "", problem: "is a directory, not a \(what) file",
                                  fix: "give the path of a \(what) file")
        }
        let data = try readBytes(path, limit: 64 << 20, what: what)
        guard let text = String(data: data, encoding: .utf8) else {
            throw DreamInputError(.data, file: path, field: "", problem: "is not UTF-8 text",
                                  fix: "save it as UTF-8 text")
        }
        return text
    }

    /// The bytes of `path`, read with POSIX calls (FileManager.contents(atPath:) leaks a buffer on
    /// empty files), refusing more than `limit` bytes. Works on pipes and /proc files too.
    static func readBytes(_ path: String, limit: Int, what: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw DreamInputError(.noInput, file: path, field: "", problem: "cannot be read (\(reason))",
                                  fix: "check that it exists and its permissions")
        }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw DreamInputError(.noInput, file: path, field: "", problem: "cannot be read (\(reason))",
                                      fix: "give the path of a readable \(what) file")
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[0..<n])
            if data.count > limit {
                throw DreamInputError(.data, file: path, field: "", problem: "is larger than \(limit >> 20) MiB",
                                      fix: "give a \(what) file, not a data dump")
            }
        }
    }

    /// Resolves `nameOrPath` to a file: a path when it names an existing file or contains a
    /// slash or the extension; otherwise a shipped `folder/NAME.ext` for one of `extensions`.
    public static func locate(_ nameOrPath: String, folder: String, extensions: [String], what: String) throws -> String {
        let looksLikePath = nameOrPath.contains("/") || extensions.contains { nameOrPath.hasSuffix(".\($0)") }
        if looksLikePath || FileManager.default.fileExists(atPath: nameOrPath) { return nameOrPath }
        guard let dir = self.folder(folder) else {
            throw DreamInputError(.noInput, file: nameOrPath, field: "", problem: "is not a file, and the shipped \(folder)/ folder was not found",
                                  fix: "run from the DreamRT checkout, set DREAM_HOME to it, or give a file path")
        }
        for ext in extensions {
            let candidate = dir.appendingPathComponent("\(nameOrPath).\(ext)").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        let names = shippedNames(folder: folder, extensions: extensions)
        throw DreamInputError(.noInput, file: nameOrPath, field: "", problem: "is neither a file nor a shipped \(what)",
                              fix: "use one of: \(names.joined(separator: ", ")), or a file path")
    }

    public static func shippedNames(folder: String, extensions: [String]) -> [String] {
        guard let dir = self.folder(folder),
              let items = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return items.compactMap { item in
            extensions.first { item.hasSuffix(".\($0)") }.map { String(item.dropLast($0.count + 1)) }
        }.sorted()
    }
}

extension TopologySpec {
    /// Loads `auto` (derived from `machine`), a shipped topology name, or a file path.
    public static func load(_ nameOrPath: String, machine: MachineDescription) throws -> TopologySpec {
        if nameOrPath == "auto" { return .auto(for: machine) }
        let path = try ShippedFiles.locate(nameOrPath, folder: "topologies", extensions: ["yaml", "yml", "json"], what: "topology")
        return try parse(ShippedFiles.readText(path, what: "topology"), file: path)
    }
}
