// The advisories screen (relevance, actions, acknowledge) and the outbox screen (what waits,
// what was refused, send now). Apple-only: not compiled on Linux (docs/ios.md);
// AdvisoryRow and OutboxScreenModel are.
#if canImport(SwiftUI)
import FrontlineKit
import SwiftUI

public struct AdvisoriesView: View {
    @ObservedObject var model: AppModel

    public init(model: AppModel) {
        self.model = model
    }

    public var body: some View {
        List(model.advisories) { row in
            VStack(alignment: .leading, spacing: 6) {
                Text(row.title).font(.headline)
                Text("\(row.severityWords) · \(row.relevanceWords)").font(.subheadline)
                Text(row.summary).font(.body)
                ForEach(row.actions, id: \.self) { Label($0, systemImage: "arrow.right.circle").font(.body) }
                if row.acknowledged {
                    Text("Acknowledged").font(.subheadline).foregroundStyle(.secondary)
                } else {
                    Button("I have read this") { model.acknowledge(row.id) }
                }
            }
            .accessibilityElement(children: .contain)
            .accessibilityLabel(row.accessibilityLabel)
        }
        .overlay { if model.advisories.isEmpty { Text("No advisories for this device.").font(.body) } }
        .navigationTitle("Advisories")
    }
}

public struct OutboxView: View {
    @ObservedObject var model: AppModel
    @State private var sending = false

    public init(model: AppModel) {
        self.model = model
    }

    public var body: some View {
        List {
            Section {
                ForEach(model.outboxLines, id: \.self) { Text($0).font(.body) }
            }
            Section {
                Button(sending ? "Sending…" : "Send now") {
                    sending = true
                    Task {
                        await model.syncNow()
                        sending = false
                    }
                }
                .disabled(sending)
                if model.deadLetters > 0 {
                    Button("Send refused reports again") { model.retryDeadLetters() }
                }
            }
        }
        .refreshable { await model.syncNow() }
        .navigationTitle("Outbox")
    }
}
#endif
