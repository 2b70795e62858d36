// THREAD's two algorithms (RFC 5256 §3): ORDEREDSUBJECT and REFERENCES, over the messages a
// search matched. Pure; every walk is iterative, so no mailbox shape can exhaust the stack.
import Foundation
import IMAPProtocol

enum MessageThreader {
    /// The threads, in order, with each message given as `id(message)` (its sequence number or UID).
    static func threads(_ messages: [SortableMessage], _ algorithm: IMAPThreadAlgorithm,
                        id: (SortableMessage) -> UInt32) -> [IMAPThreadNode] {
        switch algorithm {
        case .orderedSubject: return orderedSubject(messages, id: id)
        case .references: return ReferenceThreads(messages).nodes(id: id)
        }
    }

    /// The sibling order of step 6 and of ORDEREDSUBJECT: sent date, then mailbox order.
    static func earlier(_ a: SortableMessage, _ b: SortableMessage) -> Bool {
        (a.sent, a.number) < (b.sent, b.number)
    }

    /// ORDEREDSUBJECT: messages sorted by base subject, then sent date; each run of one base
    /// subject is a thread whose first message is the parent of all the others; the threads
    /// sorted by the sent date of their first message.
    static func orderedSubject(_ messages: [SortableMessage], id: (SortableMessage) -> UInt32) -> [IMAPThreadNode] {
        let sorted = messages.sorted { a, b in
            if a.subjectKey != b.subjectKey { return UnicodeCasemap.precedes(a.subjectKey, b.subjectKey) }
            return earlier(a, b)
        }
        var groups: [[SortableMessage]] = []
        for message in sorted {
            if let last = groups.last?.first, last.subjectKey == message.subjectKey {
                groups[groups.count - 1].append(message)
            } else {
                groups.append([message])
            }
        }
        groups.sort { earlier($0[0], $1[0]) }
        return groups.map { group in
            // A lone reply is part of its parent's chain (thread-nested needs two or more).
            group.count <= 2 ? IMAPThreadNode(group.map(id)) : IMAPThreadNode([id(group[0])], group.dropFirst().map { IMAPThreadNode([id($0)]) })
        }
    }
}

/// THREAD=REFERENCES (RFC 5256 §3), steps 1 to 6, on containers held in arrays by index.
struct ReferenceThreads {
    /// Message index per container; nil for a dummy.
    private var message: [Int?] = []
    private var parent: [Int?] = []
    private var children: [[Int]] = []
    private var roots: [Int] = []
    private let messages: [SortableMessage]

    init(_ messages: [SortableMessage]) {
        // Step 1 takes the messages in mailbox order: the first of a duplicate Message ID keeps it.
        self.messages = messages.sorted { $0.number < $1.number }
        link()
        prune()
        mergeBySubject()
    }

    private mutating func container() -> Int {
        message.append(nil)
        parent.append(nil)
        children.append([])
        return message.count - 1
    }

    /// Whether `ancestor` is `node` or one of its ancestors. A container without children is
    /// nobody's ancestor: the usual case (a new message) costs no walk.
    private func isAncestor(_ ancestor: Int, of node: Int) -> Bool {
        if ancestor == node { return true }
        if children[ancestor].isEmpty { return false }
        var current: Int? = node
        while let c = current {
            if c == ancestor { return true }
            current = parent[c]
        }
        return false
    }

    private mutating func unlink(_ child: Int) {
        guard let p = parent[child] else { return }
        children[p].removeAll { $0 == child }
        parent[child] = nil
    }

    private mutating func attach(_ child: Int, to newParent: Int) {
        unlink(child)
        parent[child] = newParent
        children[newParent].append(child)
    }

    /// Step 1: containers by Message ID, linked as the references say.
    private mutating func link() {
        var byID: [String: Int] = [:]
        func lookup(_ id: String) -> Int {
            if let c = byID[id] { return c }
            let c = container()
            byID[id] = c
            return c
        }
        for (index, m) in messages.enumerated() {
            // (A) A missing or duplicate Message ID gets a container of its own.
            var own: Int
            if let id = m.messageID, let existing = byID[id], message[existing] == nil {
                own = existing
            } else {
                own = container()
                if let id = m.messageID, byID[id] == nil { byID[id] = own }
            }
            message[own] = index
            // (B) Link the references in order; an existing link stays, and no link makes a loop.
            var previous: Int?
            for reference in m.references {
                let c = lookup(reference)
                if let p = previous, parent[c] == nil, !isAncestor(c, of: p) { attach(c, to: p) }
                previous = c
            }
            // (C) The last reference is the parent (none: a root), unless that makes a loop.
            if let p = previous {
                if !isAncestor(own, of: p) { attach(own, to: p) }
            } else {
                unlink(own)
            }
        }
        // Step 2: the root set; step 3, dropping the ID table, happens as `byID` goes.
        roots = message.indices.filter { parent[$0] == nil }
    }

    /// Containers in an order where every child comes before its parent.
    private func postOrder(from tops: [Int]) -> [Int] {
        var out: [Int] = []
        var stack: [(Int, Bool)] = tops.reversed().map { ($0, false) }
        while let (node, expanded) = stack.popLast() {
            if expanded { out.append(node); continue }
            stack.append((node, true))
            for child in children[node].reversed() { stack.append((child, false)) }
        }
        return out
    }

    /// Step 4: dummies without children go; a dummy's children take its place, except that
    /// several children of a top-level dummy stay under it.
    private mutating func prune() {
        for node in postOrder(from: roots) { children[node] = pruned(children[node], under: node, atRoot: false) }
        roots = pruned(roots, under: nil, atRoot: true)
    }

    private mutating func pruned(_ list: [Int], under newParent: Int?, atRoot: Bool) -> [Int] {
        var out: [Int] = []
        for c in list {
            guard message[c] == nil else { out.append(c); continue }
            let kids = children[c]
            if kids.isEmpty { continue }
            if atRoot && kids.count > 1 { out.append(c); continue }
            for k in kids { parent[k] = newParent }
            children[c] = []
            out += kids
        }
        return out
    }

    /// The message whose subject stands for a thread: the root, or a dummy's first child.
    private func subjectSource(_ root: Int) -> SortableMessage? {
        let node = message[root] == nil ? children[root].first : root
        return node.flatMap { message[$0] }.map { messages[$0] }
    }

    /// Step 5: top-level threads with the same base subject are gathered.
    private mutating func mergeBySubject() {
        var table: [[UInt8]: Int] = [:]
        // (B) One container per subject: a dummy over a message, a non-reply over a reply.
        for root in roots {
            guard let m = subjectSource(root), !m.subjectKey.isEmpty else { continue }
            guard let held = table[m.subjectKey] else { table[m.subjectKey] = root; continue }
            let heldIsReply = subjectSource(held)?.subject.isReplyOrForward ?? false
            if (message[root] == nil && message[held] != nil)
                || (message[held] != nil && message[root] != nil && heldIsReply && !m.subject.isReplyOrForward) {
                table[m.subjectKey] = root
            }
        }
        // (C) Merge every other root into the one the table holds.
        var removed = Set<Int>()
        var added: [Int] = []
        for root in roots where !removed.contains(root) {
            guard let m = subjectSource(root), !m.subjectKey.isEmpty, let held = table[m.subjectKey], held != root else { continue }
            let isDummy = message[root] == nil, heldIsDummy = message[held] == nil
            if isDummy && heldIsDummy {
                for k in children[root] { attach(k, to: held) }
                removed.insert(root)
            } else if heldIsDummy {
                attach(root, to: held)
                removed.insert(root)
            } else if isDummy {
                attach(held, to: root)
                removed.insert(held)
                table[m.subjectKey] = root
            } else {
                let heldIsReply = messages[message[held]!].subject.isReplyOrForward
                if !heldIsReply && m.subject.isReplyOrForward {
                    attach(root, to: held)
                    removed.insert(root)
                } else if heldIsReply && !m.subject.isReplyOrForward {
                    attach(held, to: root)
                    removed.insert(held)
                    table[m.subjectKey] = root
                } else {
                    let dummy = container()
                    attach(held, to: dummy)
                    attach(root, to: dummy)
                    removed.insert(held)
                    removed.insert(root)
                    added.append(dummy)
                    table[m.subjectKey] = dummy
                }
            }
        }
        roots = roots.filter { !removed.contains($0) } + added.filter { !removed.contains($0) }
    }

    /// Step 6: siblings by sent date (a dummy by its first child's), youngest sets first;
    /// then the IMAP nodes, built bottom-up. A chain of only children is collected backwards
    /// and reversed once, where it ends, so that a long reply chain costs linear time.
    func nodes(id: (SortableMessage) -> UInt32) -> [IMAPThreadNode] {
        var chains: [Int: (reversed: [UInt32], children: [IMAPThreadNode])] = [:]
        var firstMessage: [Int: SortableMessage] = [:]
        func key(_ c: Int) -> SortableMessage? { message[c].map { messages[$0] } ?? firstMessage[c] }
        func ordered(_ list: [Int]) -> [Int] {
            list.sorted { a, b in
                guard let x = key(a) else { return false }
                guard let y = key(b) else { return true }
                return MessageThreader.earlier(x, y)
            }
        }
        func finish(_ c: Int) -> IMAPThreadNode? {
            chains.removeValue(forKey: c).map { IMAPThreadNode($0.reversed.reversed(), $0.children) }
        }
        for node in postOrder(from: roots) {
            let kids = ordered(children[node])
            if let m = message[node], kids.count == 1, var chain = chains.removeValue(forKey: kids[0]) {
                chain.reversed.append(id(messages[m]))
                chains[node] = chain
                continue
            }
            if message[node] == nil, let first = kids.first { firstMessage[node] = key(first) }
            chains[node] = (message[node].map { [id(messages[$0])] } ?? [], kids.compactMap(finish))
        }
        return ordered(roots).compactMap(finish)
    }
}
