//! The SVG diagram of a whole tree: a layered top-down layout computed here
//! (no external programs). Boxes link to their pages, edges carry the answer
//! labels. All text is escaped; the SVG uses presentation attributes and CSS
//! classes only (no `style`), so it can be inlined under a strict CSP.

use std::collections::HashMap;

use crate::markdown::escape_attr as esc;

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
const CHARS_PER_LINE: usize = 29;
const MAX_LINES: usize = 8;
const MARGIN: f64 = 12.0;

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
    let depth = layer.iter().copied().max().unwrap_or(0) + 1;
    // Order within layers: first by discovery (depth-first, answers in order),
    // then a few barycentre sweeps to reduce crossings.
    let mut discovered = vec![usize::MAX; n];
    let mut count = 0;
    fn dfs(v: usize, children: &[Vec<usize>], seen: &mut [usize], count: &mut usize) {
        if seen[v] != usize::MAX {
            return;
        }
        seen[v] = *count;
        *count += 1;
        for &c in &children[v] {
            dfs(c, children, seen, count);
        }
    }
    dfs(root, &children, &mut discovered, &mut count);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for v in 0..n {
        if discovered[v] != usize::MAX {
            layers[layer[v]].push(v);
        }
    }
    for l in &mut layers {
        l.sort_by_key(|&v| discovered[v]);
    }
    let mut pos = vec![0f64; n];
    let set_pos = |layers: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
        for l in layers {
            for (i, &v) in l.iter().enumerate() {
                pos[v] = i as f64;
            }
        }
    };
    set_pos(&layers, &mut pos);
    for _ in 0..4 {
        for li in 1..depth {
            let mut keyed: Vec<(f64, usize)> = layers[li]
                .iter()
                .map(|&v| {
                    let ps = &parents[v];
                    let b = if ps.is_empty() {
                        pos[v]
                    } else {
                        ps.iter().map(|&p| pos[p]).sum::<f64>() / ps.len() as f64
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
    let height: Vec<f64> = lines
        .iter()
        .zip(nodes)
        .map(|(l, x)| PAD * 2.0 + LINE_H * (l.len() + usize::from(x.outcome)) as f64)
        .collect();
    let layer_h: Vec<f64> = layers
        .iter()
        .map(|l| l.iter().map(|&v| height[v]).fold(0.0, f64::max))
        .collect();
    let mut layer_y = vec![MARGIN; depth];
    for li in 1..depth {
        layer_y[li] = layer_y[li - 1] + layer_h[li - 1] + V_GAP;
    }
    // x: each box under the mean of its parents, then pushed apart.
    let step = BOX_W + H_GAP;
    let mut x = vec![0f64; n];
    for (li, l) in layers.iter().enumerate() {
        if li == 0 {
            for (i, &v) in l.iter().enumerate() {
                x[v] = i as f64 * step;
            }
            continue;
        }
        let desired: Vec<f64> = l
            .iter()
            .map(|&v| {
                let ps = &parents[v];
                ps.iter().map(|&p| x[p]).sum::<f64>() / ps.len().max(1) as f64
            })
            .collect();
        let mut placed = desired.clone();
        for i in 1..placed.len() {
            placed[i] = placed[i].max(placed[i - 1] + step);
        }
        let shift = placed.iter().zip(&desired).map(|(p, d)| p - d).sum::<f64>()
            / placed.len().max(1) as f64;
        for (i, &v) in l.iter().enumerate() {
            x[v] = placed[i] - shift;
        }
    }
    let min_x = (0..n)
        .filter(|&v| discovered[v] != usize::MAX)
        .map(|v| x[v])
        .fold(f64::INFINITY, f64::min);
    let min_x = if min_x.is_finite() { min_x } else { 0.0 };
    for v in x.iter_mut() {
        *v = *v - min_x + MARGIN;
    }
    let width = (0..n).map(|v| x[v] + BOX_W).fold(0.0, f64::max) + MARGIN;
    let total_h = layer_y[depth - 1] + layer_h[depth - 1] + MARGIN;
    let top = |v: usize| layer_y[layer[v]];

    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"decision-diagram__svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"group\" aria-label=\"{label}\" font-family=\"system-ui, sans-serif\">\n",
        w = fmt(width),
        h = fmt(total_h),
        label = esc(&format!("Diagram of the whole guide: {title}")),
    );
    out.push_str("<defs><marker id=\"decision-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path class=\"decision-diagram__arrow\" d=\"M0,0 L10,5 L0,10 z\" fill=\"#5b6672\"/></marker></defs>\n");

    // Edges first (boxes are drawn over them), then their labels.
    let mut labels = String::new();
    let mut fan: HashMap<usize, usize> = HashMap::new();
    for e in edges {
        let k = fan.entry(e.from).or_insert(0);
        let outs = edges.iter().filter(|x| x.from == e.from).count() as f64;
        // Spread the start points along the bottom of the source box.
        let x1 = x[e.from] + BOX_W * (*k as f64 + 1.0) / (outs + 1.0);
        *k += 1;
        let y1 = top(e.from) + height[e.from];
        let x2 = x[e.to] + BOX_W / 2.0;
        let y2 = top(e.to);
        let dy = ((y2 - y1) / 2.0).max(20.0);
        out.push_str(&format!(
            "<path class=\"decision-diagram__edge\" d=\"M{} {} C{} {} {} {} {} {}\" fill=\"none\" stroke=\"#5b6672\" stroke-width=\"1.5\" marker-end=\"url(#decision-arrow)\"/>\n",
            fmt(x1), fmt(y1), fmt(x1), fmt(y1 + dy), fmt(x2), fmt(y2 - dy), fmt(x2), fmt(y2)
        ));
        // Label near the start of the edge, inside the gap below the source.
        let at = |t: f64| {
            let u = 1.0 - t;
            let bx = u * u * u * x1 + 3.0 * u * u * t * x1 + 3.0 * u * t * t * x2 + t * t * t * x2;
            let by = u * u * u * y1
                + 3.0 * u * u * t * (y1 + dy)
                + 3.0 * u * t * t * (y2 - dy)
                + t * t * t * y2;
            (bx, by)
        };
        let mut t = 0.0;
        while t < 1.0 && at(t).1 < y1 + 24.0 {
            t += 0.01;
        }
        let (lx, ly) = at(t);
        let text_w = e.label.chars().count().min(24) as f64 * 6.4 + 10.0;
        let label: String = if e.label.chars().count() > 24 {
            format!("{}…", e.label.chars().take(23).collect::<String>())
        } else {
            e.label.clone()
        };
        labels.push_str(&format!(
            "<g class=\"decision-diagram__edge-label\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"17\" rx=\"3\" fill=\"#ffffff\" stroke=\"#c9d1d9\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#1a1f24\">{}</text></g>\n",
            fmt(lx - text_w / 2.0),
            fmt(ly - 12.0),
            fmt(text_w),
            fmt(lx),
            fmt(ly),
            esc(&label)
        ));
    }
    out.push_str(&labels);

    for v in 0..n {
        if discovered[v] == usize::MAX {
            continue;
        }
        let node = &nodes[v];
        let kind = if node.outcome { "outcome" } else { "question" };
        let (fill, stroke) = if node.outcome {
            ("#e7f0fa", "#0b5cad")
        } else {
            ("#f4f6f8", "#8a96a3")
        };
        out.push_str(&format!(
            "<a class=\"decision-diagram__node decision-diagram__node--{kind}\" href=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#1a1f24\">",
            esc(&node.url),
            fmt(x[v]),
            fmt(top(v)),
            fmt(BOX_W),
            fmt(height[v]),
            if node.outcome { 10 } else { 3 },
            fmt(x[v] + PAD),
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
                    fmt(x[v] + PAD),
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
