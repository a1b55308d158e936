/**
 * seca.authorization/v1 (API.md 6.6): roles and role assignments, global and tenant-level resources
 * that the controller stores and validates itself (synchronous lifecycle through
 * {@link dev.sovra.controller.resource.ResourceService}). RBAC enforcement on requests is not done
 * here yet; this package only keeps the records the later enforcement will read.
 */
package dev.sovra.controller.authorization;
