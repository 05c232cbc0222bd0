package jsondoc

// Node is the part of a JSON value a caller reads: all of it, or the
// named keys of an object, each with its own part. Applied to an array it
// applies to each element (Items[0].SKU reads SKU of the elements).
type Node struct {
	All  bool
	Keys []Key // few: a linear scan beats hashing
}

// Key is a key of an object and the part of its value read.
type Key struct {
	Name string
	Node *Node
}

// Child is the part of key name read, nil when none.
func (n *Node) Child(name string) *Node {
	for _, k := range n.Keys {
		if k.Name == name {
			return k.Node
		}
	}
	return nil
}

// child is Child with the key's name as the Node spells it.
func (n *Node) child(name string) (string, *Node) {
	for _, k := range n.Keys {
		if k.Name == name {
			return k.Name, k.Node
		}
	}
	return "", nil
}

// Reach makes n read the path segs (keys, outermost first) as far as it
// goes, but not necessarily all of the value there (Add does), and returns
// the node there: reading the length of a list needs the list, not its
// elements' contents.
func (n *Node) Reach(segs []string) *Node {
	if n.All {
		return n
	}
	for _, s := range segs {
		c := n.Child(s)
		if c == nil {
			c = &Node{}
			n.Keys = append(n.Keys, Key{s, c})
		}
		if c.All {
			return c
		}
		n = c
	}
	return n
}

// Add makes n read the path segs (keys, outermost first); no segs: all.
func (n *Node) Add(segs []string) {
	if n.All {
		return
	}
	if len(segs) == 0 {
		n.All, n.Keys = true, nil
		return
	}
	c := n.Child(segs[0])
	if c == nil {
		c = &Node{}
		n.Keys = append(n.Keys, Key{segs[0], c})
	}
	c.Add(segs[1:])
}

// Merge makes n read what o reads too.
func (n *Node) Merge(o *Node) {
	if n.All {
		return
	}
	if o.All {
		n.All, n.Keys = true, nil
		return
	}
	for _, k := range o.Keys {
		c := n.Child(k.Name)
		if c == nil {
			c = &Node{}
			n.Keys = append(n.Keys, Key{k.Name, c})
		}
		c.Merge(k.Node)
	}
}
