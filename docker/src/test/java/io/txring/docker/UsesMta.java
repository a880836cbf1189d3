package io.txring.docker;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A test class that runs Postfix: {@link DockerEngine} also requires {@link DockerEngine#MTA_IMAGE}. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface UsesMta {}
