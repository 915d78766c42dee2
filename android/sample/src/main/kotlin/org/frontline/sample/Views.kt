// Why this file exists: the sample builds its lists from framework Views (no AndroidX, no
// RecyclerView), and every screen needs the same few accessible building blocks: headings
// TalkBack can jump between, body text in sp (it follows the system font size), and buttons
// whose spoken label says what they act on. One place for them keeps the screens consistent.
package org.frontline.sample

import android.app.Activity
import android.os.Build
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView

/** Adds views to a vertical [LinearLayout] in reading (and TalkBack) order. */
class Column(private val activity: Activity, val layout: LinearLayout) {

    fun clear() = layout.removeAllViews()

    /** A heading (TalkBack announces it as one and can jump to it). */
    fun heading(text: CharSequence, large: Boolean = false): TextView = text(
        text,
        if (large) android.R.style.TextAppearance_Material_Headline else android.R.style.TextAppearance_Material_Title,
    ).also { view ->
        if (Build.VERSION.SDK_INT >= 28) Api28.markHeading(view)
        view.setPadding(0, activity.resources.getDimensionPixelSize(R.dimen.heading_space), 0, 0)
    }

    /** Body text. Text appearances are in sp, so it scales with the system font size. */
    fun text(text: CharSequence, appearance: Int = android.R.style.TextAppearance_Material_Body1): TextView {
        val view = TextView(activity)
        view.setTextAppearance(appearance)
        view.text = text
        view.setTextIsSelectable(false)
        layout.addView(view, matchWidth())
        return view
    }

    /** Secondary text (dates, hints). */
    fun note(text: CharSequence): TextView = text(text, android.R.style.TextAppearance_Material_Caption)

    /**
     * A button. [spoken] is what TalkBack says when the visible label alone would be unclear
     * out of context (e.g. "Open settings to fix: Screen lock").
     */
    fun button(label: CharSequence, spoken: CharSequence? = null, onClick: () -> Unit): Button {
        val button = Button(activity)
        button.text = label
        if (spoken != null) button.contentDescription = spoken
        button.setOnClickListener { onClick() }
        layout.addView(button, wrap())
        return button
    }

    /** Any other view, full width. */
    fun add(view: View) = layout.addView(view, matchWidth())

    private fun matchWidth() = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT)

    private fun wrap() = LinearLayout.LayoutParams(ViewGroup.LayoutParams.WRAP_CONTENT, ViewGroup.LayoutParams.WRAP_CONTENT)
}
