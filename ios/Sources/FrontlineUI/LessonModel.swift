// A lesson's Markdown as blocks the lesson screen lays out one by one: headings (marked as
// headings for VoiceOver's rotor), paragraphs, bullet and numbered items. Inline Markdown
// (bold, links) stays in each block's text for AttributedString. The content pack uses only
// these block forms (content/modules/*/lesson.md). Platform-neutral; tested on Linux.
import Foundation

public enum LessonBlock: Equatable {
    case heading(level: Int, text: String)
    case paragraph(String)
    case bullet(String)
    case numbered(Int, String)
}

public enum LessonModel {
    public static func blocks(_ markdown: String) -> [LessonBlock] {
        var blocks: [LessonBlock] = []
        var paragraph: [String] = []
        func flush() {
            if !paragraph.isEmpty { blocks.append(.paragraph(paragraph.joined(separator: " "))) }
            paragraph = []
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flush()
            } else if let hashes = line.firstIndex(where: { $0 != "#" }), hashes != line.startIndex,
                      line[hashes] == " ", line.distance(from: line.startIndex, to: hashes) <= 6 {
                flush()
                blocks.append(.heading(level: line.distance(from: line.startIndex, to: hashes), text: String(line[hashes...].dropFirst())))
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                flush()
                blocks.append(.bullet(String(line.dropFirst(2))))
            } else if let dot = line.firstIndex(of: "."), let number = Int(line[..<dot]),
                      line[line.index(after: dot)...].hasPrefix(" ") {
                flush()
                blocks.append(.numbered(number, String(line[line.index(dot, offsetBy: 2)...])))
            } else if case .bullet(let text)? = blocks.last, paragraph.isEmpty, raw.hasPrefix("  ") {
                blocks[blocks.count - 1] = .bullet(text + " " + line) // a bullet's continuation line
            } else {
                paragraph.append(line)
            }
        }
        flush()
        return blocks
    }
}
