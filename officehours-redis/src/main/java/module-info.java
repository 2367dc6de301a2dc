/**
 * OfficeHours on Redis: a shared cache store and conversation store over lettuce. lettuce-core
 * is an automatic module ({@code lettuce.core}, from its manifest).
 */
module dev.officehours.redis {
  requires transitive dev.officehours.core;
  requires lettuce.core;
  requires org.slf4j;

  exports dev.officehours.redis;
}
