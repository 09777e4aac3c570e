package postgres

// PendingQuery is pendingQuery, for the plan test.
const PendingQuery = pendingQuery
