import DreamCore
import Foundation

/// `dream calibrate --out FILE`: a `Calibration` as JSON (JSONEncoder, sorted keys), read back
/// with its format version and every number checked, errors naming the field.
extension Calibration {
    public static func load(_ path: String) throws -> Calibration {
        let text = try ShippedFiles.readText(path, what: "calibration")
        do {
            let decoder = JSONDecoder()
            var c = try decoder.decode(Calibration.self, from: Data(text.utf8))
            let version = c.version ?? 1
            if version > formatVersion || version < 1 {
                throw DreamInputError(.data, file: path, field: "version",
                                      problem: "is \(version), but this dream reads calibration formats 1 to \(formatVersion)",
                                      fix: "re-run `dream calibrate` with this build")
            }
            if let b = c.cacheBytes, !(b > 0 && b.isFinite) {
                throw DreamInputError(.data, file: path, field: "cacheBytes", problem: "must be a positive number of bytes, found \(b)",
                                      fix: "re-run `dream calibrate`")
            }
            for (i, s) in c.samples.enumerated() {
                if let p = s.layer.problem {
                    throw DreamInputError(.data, file: path, field: "samples[\(i)].layer", problem: p, fix: "re-run `dream calibrate`")
                }
                if !(s.medianNs > 0) || s.accelerator < 0 || s.accelerator >= c.accelerators.count {
                    throw DreamInputError(.data, file: path, field: "samples[\(i)]", problem: "has a non-positive time or an unknown accelerator",
                                          fix: "re-run `dream calibrate`")
                }
                if let w = s.work, min(w.macs, w.l1, w.l2, w.llc, w.dram) < 0 {
                    throw DreamInputError(.data, file: path, field: "samples[\(i)].work", problem: "has a negative count",
                                          fix: "re-run `dream calibrate`")
                }
            }
            for (k, p) in c.parameters where !(p.gflopsPerCore > 0 && p.bandwidthGBps > 0 && p.weightBandwidthGBps > 0 && p.overheadNs >= 0) {
                throw DreamInputError(.data, file: path, field: "parameters.\(k)", problem: "must have positive rates and a non-negative overhead",
                                      fix: "re-run `dream calibrate`")
            }
            if version < formatVersion {
                // Format 1 parameters belong to the old roofline (no weight streaming, tile use
                // over output pixels): the measured samples still hold, so refit them.
                c.parameters = RooflineFit.fit(c.samples, accelerators: c.accelerators, cacheBytes: c.effectiveCacheBytes)
                c.version = formatVersion
            }
            return c
        } catch let e as DreamInputError {
            throw e
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw DreamInputError(.data, file: path, field: (ctx.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."),
                                  problem: "is missing", fix: "use a file written by `dream calibrate`")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw DreamInputError(.data, file: path, field: ctx.codingPath.map(\.stringValue).joined(separator: "."),
                                  problem: "has the wrong type (\(ctx.debugDescription))", fix: "use a file written by `dream calibrate`")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw DreamInputError(.data, file: path, field: ctx.codingPath.map(\.stringValue).joined(separator: "."),
                                  problem: "is not valid calibration JSON (\(ctx.debugDescription))", fix: "use a file written by `dream calibrate`")
        } catch {
            throw DreamInputError(.data, file: path, field: "", problem: "cannot be read as a calibration (\(error))",
                                  fix: "use a file written by `dream calibrate`")
        }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
