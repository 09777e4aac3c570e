package service

import "context"

// Ready reports whether the service can serve requests: whether its store
// answers. /readyz asks it, so a load balancer stops sending traffic to a
// replica that lost its store.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }
