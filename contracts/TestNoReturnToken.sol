// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title TestNoReturnToken
/// @notice A test token shaped like mainnet USDT: `transfer` returns nothing (not EIP-20's bool),
/// and fails by reverting. Open mint, for tests only.
contract TestNoReturnToken {
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function mint(address to, uint256 value) external {
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function transfer(address to, uint256 value) external {
        require(balanceOf[msg.sender] >= value, "balance");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
    }
}
