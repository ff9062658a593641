//! The SVG diagram of a whole tree: a layered top-down layout computed here
//! (no external programs). Boxes link to their pages, edges carry the answer
//! labels. All text is escaped; the SVG uses presentation attributes and CSS
//! classes only (no `style`), so it can be inlined under a strict CSP.

use std::collections::HashMap;

use crate::text::escape_attr as esc;

/// A box of the diagram.
pub struct DiagramNode {
    pub label: String,
    pub url: String,
    pub outcome: bool,
}

/// An arrow from one box to another, labelled with an answer.
pub struct DiagramEdge {
    pub from: usize,
    pub to: usize,
    pub label: String,
}

const BOX_W: f64 = 200.0;
const H_GAP: f64 = 28.0;
const V_GAP: f64 = 64.0;
const LINE_H: f64 = 15.0;
const PAD: f64 = 9.0;
const CHARS_PER_LINE: usize = 27;
const MAX_LINES: usize = 8;
const MARGIN: f64 = 12.0;
const WAYPOINT_W: f64 = 16.0;

/// Wraps text into at most [`MAX_LINES`] lines of about [`CHARS_PER_LINE`] characters.
pub fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let len = cur.chars().count();
        if len > 0 && len + 1 + word.chars().count() > CHARS_PER_LINE {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        let last = lines.last_mut().expect("non-empty");
        let keep: String = last.chars().take(CHARS_PER_LINE - 1).collect();
        *last = format!("{}…", keep.trim_end());
    }
    lines
}

fn fmt(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Renders the diagram. `nodes[root]` is the start; every node is reachable
/// from it and the graph has no cycles (validation guarantees both).
///
/// Layout (Sugiyama style): layers by longest path from the root; edges that
/// skip layers run through invisible waypoints so they never cross a box;
/// a few barycentre sweeps order each layer to reduce crossings; boxes sit
/// under the mean of their parents, pushed apart where they would overlap.
pub fn svg(title: &str, nodes: &[DiagramNode], edges: &[DiagramEdge], root: usize) -> String {
    let n = nodes.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in edges {
        if !children[e.from].contains(&e.to) {
            children[e.from].push(e.to);
            parents[e.to].push(e.from);
        }
    }
    // Layers: longest path from the root, so every edge points downwards.
    let mut order = Vec::with_capacity(n); // topological
    let mut indeg: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut ready = vec![root];
    while let Some(v) = ready.pop() {
        order.push(v);
        for &c in children[v].iter().rev() {
            indeg[c] -= 1;
            if indeg[c] == 0 {
                ready.push(c);
            }
        }
    }
    let mut layer = vec![0usize; n];
    for &v in &order {
        for &c in &children[v] {
            layer[c] = layer[c].max(layer[v] + 1);
        }
    }
    let reachable: Vec<bool> = {
        let mut r = vec![false; n];
        for &v in &order {
            r[v] = true;
        }
        r
    };
    // Waypoints for edges that skip layers: ids n.. in `layer`.
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(edges.len());
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in edges {
        let mut chain = vec![e.from];
        for l in layer[e.from] + 1..layer[e.to] {
            let id = layer.len();
            layer.push(l);
            up.push(Vec::new());
            down.push(Vec::new());
            chain.push(id);
        }
        chain.push(e.to);
        for w in chain.windows(2) {
            down[w[0]].push(w[1]);
            up[w[1]].push(w[0]);
        }
        chains.push(chain);
    }
    let total = layer.len();
    let is_real = |v: usize| v < n;
    let depth = (0..n)
        .filter(|&v| reachable[v])
        .map(|v| layer[v])
        .max()
        .unwrap_or(0)
        + 1;
    // Initial order: depth first from the root, answers in order.
    let mut discovered = vec![usize::MAX; total];
    let mut count = 0;
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        if discovered[v] != usize::MAX {
            continue;
        }
        discovered[v] = count;
        count += 1;
        for &c in down[v].iter().rev() {
            stack.push(c);
        }
    }
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for v in 0..total {
        if discovered[v] != usize::MAX {
            layers[layer[v]].push(v);
        }
    }
    for l in &mut layers {
        l.sort_by_key(|&v| discovered[v]);
    }
    let mut pos = vec![0f64; total];
    let set_pos = |layers: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
        for l in layers {
            for (i, &v) in l.iter().enumerate() {
                pos[v] = i as f64;
            }
        }
    };
    set_pos(&layers, &mut pos);
    for sweep in 0..6 {
        let downward = sweep % 2 == 0;
        let range: Vec<usize> = if downward {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for li in range {
            let mut keyed: Vec<(f64, usize)> = layers[li]
                .iter()
                .map(|&v| {
                    let near = if downward { &up[v] } else { &down[v] };
                    let b = if near.is_empty() {
                        pos[v]
                    } else {
                        near.iter().map(|&p| pos[p]).sum::<f64>() / near.len() as f64
                    };
                    (b, v)
                })
                .collect();
            keyed.sort_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then(discovered[a.1].cmp(&discovered[b.1]))
            });
            layers[li] = keyed.into_iter().map(|(_, v)| v).collect();
            set_pos(&layers, &mut pos);
        }
    }

    // Sizes.
    let lines: Vec<Vec<String>> = nodes.iter().map(|x| wrap(&x.label)).collect();
    let width = |v: usize| if is_real(v) { BOX_W } else { WAYPOINT_W };
    let height: Vec<f64> = (0..total)
        .map(|v| {
            if is_real(v) {
                PAD * 2.0 + LINE_H * (lines[v].len() + usize::from(nodes[v].outcome)) as f64
            } else {
                0.0
            }
        })
        .collect();
    let layer_h: Vec<f64> = layers
        .iter()
        .map(|l| l.iter().map(|&v| height[v]).fold(0.0, f64::max))
        .collect();
    let mut layer_y = vec![MARGIN; depth];
    for li in 1..depth {
        layer_y[li] = layer_y[li - 1] + layer_h[li - 1] + V_GAP;
    }
    // x of centres: under the mean of the parents, then pushed apart.
    let mut cx = vec![0f64; total];
    for (li, l) in layers.iter().enumerate() {
        if li == 0 {
            let mut at = 0.0;
            for &v in l {
                cx[v] = at + width(v) / 2.0;
                at += width(v) + H_GAP;
            }
            continue;
        }
        let desired: Vec<f64> = l
            .iter()
            .map(|&v| {
                let ps = &up[v];
                ps.iter().map(|&p| cx[p]).sum::<f64>() / ps.len().max(1) as f64
            })
            .collect();
        let mut placed = desired.clone();
        for i in 1..placed.len() {
            let min = placed[i - 1] + width(l[i - 1]) / 2.0 + H_GAP + width(l[i]) / 2.0;
            placed[i] = placed[i].max(min);
        }
        let shift = placed.iter().zip(&desired).map(|(p, d)| p - d).sum::<f64>()
            / placed.len().max(1) as f64;
        for (i, &v) in l.iter().enumerate() {
            cx[v] = placed[i] - shift;
        }
    }
    let placed: Vec<usize> = (0..total)
        .filter(|&v| discovered[v] != usize::MAX)
        .collect();
    let min_x = placed
        .iter()
        .map(|&v| cx[v] - width(v) / 2.0)
        .fold(f64::INFINITY, f64::min);
    let min_x = if min_x.is_finite() { min_x } else { 0.0 };
    for v in cx.iter_mut() {
        *v = *v - min_x + MARGIN;
    }
    let svg_w = placed
        .iter()
        .map(|&v| cx[v] + width(v) / 2.0)
        .fold(0.0, f64::max)
        + MARGIN;
    let svg_h = layer_y[depth - 1] + layer_h[depth - 1] + MARGIN;
    let top = |v: usize| layer_y[layer[v]];

    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"decision-diagram__svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"group\" aria-label=\"{label}\" font-family=\"system-ui, sans-serif\">\n",
        w = fmt(svg_w),
        h = fmt(svg_h),
        label = esc(&format!("Diagram of the whole guide: {title}")),
    );
    out.push_str("<defs><marker id=\"decision-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path class=\"decision-diagram__arrow\" d=\"M0,0 L10,5 L0,10 z\" fill=\"#5b6672\"/></marker></defs>\n");

    // Edges first (boxes are drawn over them), then their labels.
    struct Label {
        row: usize,
        x: f64,
        y: f64,
        w: f64,
        text: String,
    }
    let mut labels: Vec<Label> = Vec::new();
    let mut fan: HashMap<usize, usize> = HashMap::new();
    for (e, chain) in edges.iter().zip(&chains) {
        if !reachable[e.from] {
            continue;
        }
        let k = fan.entry(e.from).or_insert(0);
        let outs = edges.iter().filter(|x| x.from == e.from).count() as f64;
        // Spread the start points along the bottom of the source box.
        let x1 = cx[e.from] - BOX_W / 2.0 + BOX_W * (*k as f64 + 1.0) / (outs + 1.0);
        *k += 1;
        let y1 = top(e.from) + height[e.from];
        let mut d = format!("M{} {}", fmt(x1), fmt(y1));
        let (mut xa, mut ya) = (x1, y1);
        let mut first_mid = None;
        for &v in &chain[1..] {
            let (xb, yb) = (cx[v], top(v));
            let dy = (yb - ya) / 2.0;
            d.push_str(&format!(
                " C{} {} {} {} {} {}",
                fmt(xa),
                fmt(ya + dy),
                fmt(xb),
                fmt(yb - dy),
                fmt(xb),
                fmt(yb)
            ));
            first_mid.get_or_insert(((xa + xb) / 2.0, (ya + yb) / 2.0));
            if is_real(v) {
                break;
            }
            // Through the waypoint's layer, straight down.
            let yc = yb + layer_h[layer[v]];
            d.push_str(&format!(" L{} {}", fmt(xb), fmt(yc)));
            (xa, ya) = (xb, yc);
        }
        out.push_str(&format!(
            "<path class=\"decision-diagram__edge\" d=\"{d}\" fill=\"none\" stroke=\"#5b6672\" stroke-width=\"1.5\" marker-end=\"url(#decision-arrow)\"/>\n"
        ));
        let (lx, ly) = first_mid.unwrap_or((x1, y1 + V_GAP / 2.0));
        let text: String = if e.label.chars().count() > 24 {
            format!("{}…", e.label.chars().take(23).collect::<String>())
        } else {
            e.label.clone()
        };
        labels.push(Label {
            row: layer[e.from],
            x: lx,
            y: ly,
            w: text.chars().count() as f64 * 6.4 + 10.0,
            text,
        });
    }
    // Labels in the same gap never overlap: push them apart left to right.
    labels.sort_by(|a, b| a.row.cmp(&b.row).then(a.x.total_cmp(&b.x)));
    for i in 1..labels.len() {
        if labels[i].row == labels[i - 1].row {
            let min = labels[i - 1].x + labels[i - 1].w / 2.0 + 4.0 + labels[i].w / 2.0;
            if labels[i].x < min {
                labels[i].x = min;
            }
        }
    }
    for l in &labels {
        out.push_str(&format!(
            "<g class=\"decision-diagram__edge-label\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"17\" rx=\"3\" fill=\"#ffffff\" stroke=\"#c9d1d9\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#1a1f24\">{}</text></g>\n",
            fmt(l.x - l.w / 2.0),
            fmt(l.y - 8.5),
            fmt(l.w),
            fmt(l.x),
            fmt(l.y + 3.5),
            esc(&l.text)
        ));
    }

    for v in 0..n {
        if !reachable[v] {
            continue;
        }
        let node = &nodes[v];
        let kind = if node.outcome { "outcome" } else { "question" };
        let (fill, stroke) = if node.outcome {
            ("#e7f0fa", "#0b5cad")
        } else {
            ("#f4f6f8", "#8a96a3")
        };
        let x = cx[v] - BOX_W / 2.0;
        out.push_str(&format!(
            "<a class=\"decision-diagram__node decision-diagram__node--{kind}\" href=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#1a1f24\">",
            esc(&node.url),
            fmt(x),
            fmt(top(v)),
            fmt(BOX_W),
            fmt(height[v]),
            if node.outcome { 10 } else { 3 },
            fmt(x + PAD),
            fmt(top(v) + PAD + 11.0),
        ));
        let mut first = true;
        if node.outcome {
            out.push_str(
                "<tspan class=\"decision-diagram__kind\" font-weight=\"bold\">Result</tspan>",
            );
            first = false;
        }
        for line in &lines[v] {
            if first {
                out.push_str(&format!("<tspan>{}</tspan>", esc(line)));
                first = false;
            } else {
                out.push_str(&format!(
                    "<tspan x=\"{}\" dy=\"{}\">{}</tspan>",
                    fmt(x + PAD),
                    fmt(LINE_H),
                    esc(line)
                ));
            }
        }
        out.push_str("</text></a>\n");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_short_and_truncates() {
        let lines = wrap("one two three four five six seven eight nine ten eleven twelve");
        assert!(lines.iter().all(|l| l.chars().count() <= CHARS_PER_LINE));
        let long = "word ".repeat(200);
        let lines = wrap(&long);
        assert_eq!(lines.len(), MAX_LINES);
        assert!(lines.last().unwrap().ends_with('…'));
    }

    #[test]
    fn svg_escapes_text_and_links_every_box() {
        let nodes = vec![
            DiagramNode {
                label: "</script><img onerror=alert(1)> \"q\" & 'x'".into(),
                url: "/d/q/a/".into(),
                outcome: false,
            },
            DiagramNode {
                label: "Done".into(),
                url: "/d/result/b/".into(),
                outcome: true,
            },
        ];
        let edges = vec![DiagramEdge {
            from: 0,
            to: 1,
            label: "<b>Yes</b>".into(),
        }];
        let s = svg("T<", &nodes, &edges, 0);
        assert!(!s.contains("<img"), "{s}");
        assert!(!s.contains("</script>"), "{s}");
        assert!(!s.contains("<b>"), "{s}");
        assert!(s.contains("&lt;/script&gt;"));
        assert!(s.contains("&quot;q&quot; &amp; &#39;x&#39;"));
        assert!(s.contains("href=\"/d/q/a/\""));
        assert!(s.contains("href=\"/d/result/b/\""));
        assert!(!s.contains("style"));
    }
}
