// Why this file exists: lessons arrive as the small Markdown subset the content pack uses
// (headings, paragraphs, bullet and numbered lists, **bold**). The framework has no Markdown
// view, so this turns a lesson into blocks the reader shows as TextViews with real headings
// (for TalkBack's heading navigation). Anything else is shown as plain text, never dropped.
package org.frontline.sample

/** One block of a lesson. */
sealed class LessonBlock {
    data class Heading(val level: Int, val text: String) : LessonBlock()
    data class Paragraph(val text: String) : LessonBlock()
    data class ListItem(val marker: String, val text: String) : LessonBlock()
}

object LessonText {
    private val heading = Regex("^(#{1,6})\\s+(.*)$")
    private val bullet = Regex("^[-*+]\\s+(.*)$")
    private val numbered = Regex("^(\\d+)[.)]\\s+(.*)$")

    /** The lesson's blocks in reading order; inline `**`/`_`/`` ` `` marks are removed. */
    fun parse(markdown: String): List<LessonBlock> {
        val blocks = mutableListOf<LessonBlock>()
        val paragraph = StringBuilder()
        fun flush() {
            if (paragraph.isNotBlank()) blocks += LessonBlock.Paragraph(inline(paragraph.toString().trim()))
            paragraph.clear()
        }
        for (raw in markdown.lines()) {
            val line = raw.trim()
            val h = heading.matchEntire(line)
            val b = bullet.matchEntire(line)
            val n = numbered.matchEntire(line)
            when {
                line.isEmpty() -> flush()
                h != null -> { flush(); blocks += LessonBlock.Heading(h.groupValues[1].length, inline(h.groupValues[2])) }
                b != null -> { flush(); blocks += LessonBlock.ListItem("•", inline(b.groupValues[1])) }
                n != null -> { flush(); blocks += LessonBlock.ListItem("${n.groupValues[1]}.", inline(n.groupValues[2])) }
                else -> { if (paragraph.isNotEmpty()) paragraph.append(' '); paragraph.append(line) }
            }
        }
        flush()
        return blocks
    }

    private fun inline(text: String): String =
        text.replace("**", "").replace("__", "").replace("`", "")
}
