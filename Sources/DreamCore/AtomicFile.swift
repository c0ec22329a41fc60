import Foundation

/// Writes outputs atomically (a temporary file in the same folder, then rename), so no reader
/// ever sees half a file, even when the run is interrupted.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                let e = errno
                try? FileManager.default.removeItem(at: tmp)
                throw POSIXError(POSIXErrorCode(rawValue: e) ?? .EIO)
            }
        } catch {
            throw DreamInputError(.cannotCreate, file: path, field: "", problem: "cannot be written (\(error.localizedDescription))",
                                  fix: "choose a writable --out folder")
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// Creates `dir` (and parents) or explains why it cannot.
    public static func prepareFolder(_ dir: String, option: String = "--out") throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw DreamInputError(.cannotCreate, file: dir, field: option, problem: "is a file, not a folder", fix: "give a folder path")
            }
        } else {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw DreamInputError(.cannotCreate, file: dir, field: option, problem: "cannot be created (\(error.localizedDescription))",
                                      fix: "choose a writable folder")
            }
        }
        guard access(dir, W_OK) == 0 else {
            throw DreamInputError(.cannotCreate, file: dir, field: option, problem: "is not writable", fix: "choose a writable folder")
        }
    }
}
