-- Inventory (inventory.catalog) and reviews (reviews.catalog) now keep which
-- products exist from ProductCreated. A database created before them holds
-- products whose events were published long ago, and a new consumer on the
-- embedded (in-memory) bus would never see them: publish every ProductCreated
-- again. Consumers that handled one before find its id in their inbox and
-- change nothing. On a new database this touches no row (it runs before the seed).
update products.outbox set published_at = null where type = 'ProductCreated';
