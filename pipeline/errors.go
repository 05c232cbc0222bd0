package pipeline

import "errors"

func asFatal(err error, target **fatalError) bool { return errors.As(err, target) }
