package scaffold

import (
	"bytes"
	"strings"
	"text/template/parse"
)

// tickFunc is the function injected at the top of every range body; it
// counts the iteration and checks the deadline. tickVar receives its (empty)
// result: a declaration prints nothing, and html/template leaves it alone.
const (
	tickFunc = "_scaffold_tick"
	tickVar  = "$_scaffold_tick"
)

// checkSource applies the bounds that need no parsing.
func checkSource(f File, k kind, lim Limits) *Error {
	if len(f.Content) > lim.MaxSourceBytes {
		return fileError(f.Path, ErrLimit, "is %d bytes, over the limit of %d", len(f.Content), lim.MaxSourceBytes)
	}
	actions := bytes.Count(f.Content, []byte("{{"))
	if k == kindVerbatim {
		if actions > 0 {
			return fileError(f.Path, ErrUnsafe, "holds {{ but this file type is copied as written; template actions are allowed in .html, .htm, .js, .mjs, .json, .map, .webmanifest, .css and .txt files")
		}
		return nil
	}
	if actions > lim.MaxActions {
		return fileError(f.Path, ErrLimit, "has %d template actions, over the limit of %d", actions, lim.MaxActions)
	}
	if k == kindHTML {
		if name, bad := oddTagName(f.Content); bad {
			return fileError(f.Path, ErrUnsafe, "has the tag name %q; a tag name is letters, digits and '-' (a browser reads the rest of it, values included, as part of the tag)", name)
		}
	}
	if w, ok := wrappers[k]; ok && bytes.Contains(bytes.ToLower(f.Content), []byte(w.closer)) {
		return fileError(f.Path, ErrUnsafe, "contains %q, which would hide its values from escaping; write %q inside strings", w.closer, strings.Replace(w.closer, "</", `<\/`, 1))
	}
	return nil
}

// prepareTree checks a parsed file against the bounds (nodes, depth, range
// over a literal count, no {{template}} or {{block}}) and injects the
// iteration tick into every range body.
func prepareTree(p string, tree *parse.Tree, lim Limits) *Error {
	if tree == nil || tree.Root == nil {
		return nil
	}
	c := &treeChecker{path: p, lim: lim, tree: tree}
	c.node(tree.Root, 0)
	return c.err
}

type treeChecker struct {
	path   string
	lim    Limits
	tree   *parse.Tree
	nodes  int
	ranges int // enclosing ranges
	err    *Error
}

func (c *treeChecker) fail(kind error, format string, args ...any) {
	if c.err == nil {
		c.err = fileError(c.path, kind, format, args...)
	}
}

// enter counts a node at depth and reports whether to go on.
func (c *treeChecker) enter(depth int) bool {
	if c.err != nil {
		return false
	}
	c.nodes++
	if c.nodes > c.lim.MaxNodes {
		c.fail(ErrLimit, "has more than %d template nodes", c.lim.MaxNodes)
		return false
	}
	if depth > c.lim.MaxDepth {
		c.fail(ErrLimit, "nests deeper than %d levels", c.lim.MaxDepth)
		return false
	}
	return true
}

func (c *treeChecker) node(n parse.Node, depth int) {
	if n == nil || !c.enter(depth) {
		return
	}
	switch n := n.(type) {
	case *parse.ListNode:
		for _, child := range n.Nodes {
			c.node(child, depth)
		}
	case *parse.ActionNode:
		c.pipe(n.Pipe, depth)
	case *parse.IfNode:
		c.branch(&n.BranchNode, depth)
	case *parse.WithNode:
		c.branch(&n.BranchNode, depth)
	case *parse.RangeNode:
		c.rangeCount(n)
		c.ranges++
		if c.ranges > c.lim.MaxRangeNesting {
			c.fail(ErrLimit, "line %d: ranges nest deeper than %d levels", n.Line, c.lim.MaxRangeNesting)
			return
		}
		c.branch(&n.BranchNode, depth)
		c.ranges--
		if c.err == nil && n.List != nil {
			n.List.Nodes = append([]parse.Node{c.tick(n.Position(), n.Line)}, n.List.Nodes...)
		}
	case *parse.TemplateNode:
		c.fail(ErrUnsafe, "line %d: {{template}} and {{block}} are not allowed in scaffold files", n.Line)
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
	default:
		c.fail(ErrUnsafe, "unexpected template node %T", n)
	}
}

func (c *treeChecker) branch(b *parse.BranchNode, depth int) {
	c.pipe(b.Pipe, depth+1)
	if b.List != nil {
		c.node(b.List, depth+1)
	}
	if b.ElseList != nil {
		c.node(b.ElseList, depth+1)
	}
}

func (c *treeChecker) pipe(p *parse.PipeNode, depth int) {
	if p == nil || !c.enter(depth) {
		return
	}
	for _, cmd := range p.Cmds {
		if !c.enter(depth) {
			return
		}
		for _, arg := range cmd.Args {
			c.arg(arg, depth)
		}
	}
}

func (c *treeChecker) arg(a parse.Node, depth int) {
	switch a := a.(type) {
	case *parse.PipeNode:
		c.pipe(a, depth+1)
	case *parse.ChainNode:
		if c.enter(depth) {
			c.arg(a.Node, depth+1)
		}
	default:
		c.enter(depth)
	}
}

// rangeCount refuses {{range N}} over an integer literal above the budget:
// it could never finish within it.
func (c *treeChecker) rangeCount(n *parse.RangeNode) {
	if n.Pipe == nil || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
		return
	}
	num, ok := n.Pipe.Cmds[0].Args[0].(*parse.NumberNode)
	if !ok {
		return
	}
	if (num.IsInt && num.Int64 > c.lim.MaxIterations) || (num.IsUint && !num.IsInt) {
		c.fail(ErrLimit, "line %d: {{range %s}} runs more than %d iterations", n.Line, num.Text, c.lim.MaxIterations)
	}
}

// tick builds {{$_scaffold_tick := _scaffold_tick}}.
func (c *treeChecker) tick(pos parse.Pos, line int) parse.Node {
	ident := parse.NewIdentifier(tickFunc).SetTree(c.tree).SetPos(pos)
	return &parse.ActionNode{
		NodeType: parse.NodeAction, Pos: pos, Line: line,
		Pipe: &parse.PipeNode{
			NodeType: parse.NodePipe, Pos: pos, Line: line,
			Decl: []*parse.VariableNode{{NodeType: parse.NodeVariable, Pos: pos, Ident: []string{tickVar}}},
			Cmds: []*parse.CommandNode{{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{ident}}},
		},
	}
}

// checkEscaped runs after html/template escaped a wrapped (JS or CSS) file:
// every printing action must carry one of that language's escapers, or it
// sits outside the language and could print raw markup or code.
func checkEscaped(p string, k kind, tree *parse.Tree) *Error {
	allowed := escapersFor[k]
	if allowed == nil || tree == nil {
		return nil
	}
	var err *Error
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		if err != nil || n == nil {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, child := range n.Nodes {
				walk(child)
			}
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) == 0 {
				return
			}
			last := n.Pipe.Cmds[len(n.Pipe.Cmds)-1]
			if id, ok := last.Args[0].(*parse.IdentifierNode); !ok || !allowed[id.Ident] {
				err = fileError(p, ErrUnsafe, "line %d: a value is placed outside the file's language", n.Line)
			}
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(tree.Root)
	return err
}

// oddTagName finds a tag whose name holds anything but letters, digits and
// '-'. html/template escapes what follows such a name as an attribute, but
// browsers read a tag name up to whitespace, '/' or '>', so a value there
// could add attributes (`<a!="{{.}}">`).
func oddTagName(src []byte) (string, bool) {
	for i := 0; i < len(src)-1; i++ {
		if src[i] != '<' {
			continue
		}
		j := i + 1
		if src[j] == '/' {
			j++
		}
		if j >= len(src) || !isLetter(src[j]) {
			continue
		}
		end := j
		for end < len(src) && !isTagEnd(src[end]) {
			end++
		}
		for _, c := range src[j:end] {
			if !isLetter(c) && !(c >= '0' && c <= '9') && c != '-' {
				return string(src[j:min(end, j+40)]), true
			}
		}
	}
	return "", false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isTagEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>'
}
