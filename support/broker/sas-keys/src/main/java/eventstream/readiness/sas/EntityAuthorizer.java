package eventstream.readiness.sas;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;

/**
 * Event Hubs' rules for a key, as a Kafka authorizer (authorizer.class.name): a key with an EntityPath reaches
 * its own event hub (topic) only; Kafka then answers TOPIC_AUTHORIZATION_FAILED for any other topic, in Metadata,
 * Produce, Fetch and ListOffsets alike. A namespace key reaches every topic. Send allows writing, Listen reading,
 * Manage everything (creating topics included). Consumer groups are open to every key: Event Hubs creates them on
 * first use. Principals that are not keys (the PLAINTEXT listener of Kafka's own tools and inter-broker traffic,
 * the CONTROLLER listener) are allowed everything; this broker keeps no ACLs.
 */
public final class EntityAuthorizer implements Authorizer {
  @Override
  public void configure(Map<String, ?> configs) {
  }

  @Override
  public Map<Endpoint, ? extends CompletionStage<Void>> start(AuthorizerServerInfo serverInfo) {
    Map<Endpoint, CompletableFuture<Void>> ready = new HashMap<>();
    for (Endpoint endpoint : serverInfo.endpoints()) ready.put(endpoint, CompletableFuture.completedFuture(null));
    return ready;
  }

  @Override
  public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
    List<AuthorizationResult> results = new ArrayList<>(actions.size());
    SasPrincipal key = SasPrincipal.of(context.principal());
    for (Action action : actions) {
      boolean allowed = key == null
          ? !fromKeyListener(context)
          : allows(key, action.operation(), action.resourcePattern().resourceType(), action.resourcePattern().name());
      results.add(allowed ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED);
    }
    return results;
  }

  /** Asked when no single resource is named, e.g. whether an idempotent producer may write to some topic at all. */
  @Override
  public AuthorizationResult authorizeByResourceType(AuthorizableRequestContext context, AclOperation op, ResourceType resourceType) {
    SasPrincipal key = SasPrincipal.of(context.principal());
    if (key == null) return fromKeyListener(context) ? AuthorizationResult.DENIED : AuthorizationResult.ALLOWED;
    return allows(key, op, resourceType, key.entity) ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED;
  }

  /** Only keys log in on the SASL listeners (SASL_SSL, and the emulator-shaped SASL_PLAINTEXT one); anything else there is refused. */
  private static boolean fromKeyListener(AuthorizableRequestContext context) {
    return context.securityProtocol() == SecurityProtocol.SASL_SSL || context.securityProtocol() == SecurityProtocol.SASL_PLAINTEXT;
  }

  static boolean allows(SasPrincipal key, AclOperation op, ResourceType type, String name) {
    boolean manage = key.may(SasKey.Right.MANAGE);
    switch (type) {
      case TOPIC:
        if (key.entity != null && !key.entity.equals(name)) return false;
        switch (op) {
          case DESCRIBE:
          case DESCRIBE_CONFIGS:
            return true;
          case WRITE:
            return key.may(SasKey.Right.SEND);
          case READ:
            return key.may(SasKey.Right.LISTEN);
          default:
            return manage;
        }
      case GROUP:
        return true;
      case TRANSACTIONAL_ID:
        return key.may(SasKey.Right.SEND);
      case CLUSTER:
        switch (op) {
          case DESCRIBE:
          case DESCRIBE_CONFIGS:
            return true;
          case IDEMPOTENT_WRITE:
            return key.may(SasKey.Right.SEND);
          default:
            // Creating topics and the like: a namespace key with Manage, as an Event Hubs namespace policy.
            return manage && key.entity == null;
        }
      default:
        return manage && key.entity == null;
    }
  }

  @Override
  public List<? extends CompletionStage<AclCreateResult>> createAcls(AuthorizableRequestContext context, List<AclBinding> aclBindings) {
    List<CompletableFuture<AclCreateResult>> results = new ArrayList<>();
    for (int i = 0; i < aclBindings.size(); i++) results.add(CompletableFuture.completedFuture(new AclCreateResult(noAcls())));
    return results;
  }

  @Override
  public List<? extends CompletionStage<AclDeleteResult>> deleteAcls(AuthorizableRequestContext context, List<AclBindingFilter> filters) {
    List<CompletableFuture<AclDeleteResult>> results = new ArrayList<>();
    for (int i = 0; i < filters.size(); i++) results.add(CompletableFuture.completedFuture(new AclDeleteResult(noAcls())));
    return results;
  }

  private static InvalidRequestException noAcls() {
    return new InvalidRequestException("this broker scopes keys as Event Hubs does (EntityPath, rights) and keeps no ACLs");
  }

  @Override
  public Iterable<AclBinding> acls(AclBindingFilter filter) {
    return List.of();
  }

  @Override
  public void close() {
  }
}
