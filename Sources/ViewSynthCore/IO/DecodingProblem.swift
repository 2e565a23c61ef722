// A JSON decoding failure in a few words for a one-line error: the field path and the reason, never the input
// (JSONDecoder's own descriptions span lines and can quote the whole document).

import Foundation

public enum DecodingProblem {
    public static func describe(_ error: Error) -> String {
        func path(_ p: [CodingKey]) -> String {
            p.isEmpty ? "the top level" : p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        let text: String
        switch error {
        case DecodingError.typeMismatch(let type, let c):
            text = "\(path(c.codingPath)): not a value of type \(type) (\(c.debugDescription))"
        case DecodingError.valueNotFound(let type, let c):
            text = "\(path(c.codingPath)): missing \(type)"
        case DecodingError.keyNotFound(let key, _):
            text = "missing field \(key.stringValue)"
        case DecodingError.dataCorrupted(let c):
            text = c.codingPath.isEmpty ? c.debugDescription : "\(path(c.codingPath)): \(c.debugDescription)"
        default:
            text = (error as? LocalizedError)?.errorDescription ?? "\(type(of: error))"
        }
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 160 ? String(line.prefix(160)) + "…" : line
    }
}
