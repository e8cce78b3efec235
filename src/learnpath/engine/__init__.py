"""learnpath.engine"""
